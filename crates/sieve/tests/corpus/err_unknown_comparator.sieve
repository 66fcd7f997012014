if header :comparator "i;nope" :is "subject" "x" { stop; }
if header :comparator "i;ascii-numeric" :is "subject" "x" { stop; }
