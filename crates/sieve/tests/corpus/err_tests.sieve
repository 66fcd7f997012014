if anyof true { stop; }
if not (true, false) { stop; }
if frobnicate { stop; }
else { stop; }
if header :is :contains "a" "b" { stop; }
