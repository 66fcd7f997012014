require ["fileinto", "vacation"];
fileinto 5;
if header "subject" { stop; }
if size 10 { stop; }
vacation :days "x" "away";
keep :flags "a";
