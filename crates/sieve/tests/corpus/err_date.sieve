require "date";
if date :zone "CET" "date" "hour" "1" { stop; }
if currentdate "century" "21" { stop; }
