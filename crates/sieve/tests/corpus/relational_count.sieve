require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :count "ge" :comparator "i;ascii-numeric" "received" "3" {
    fileinto "ManyHops";
}
if address :count "gt" :comparator "i;ascii-numeric" ["to", "cc"] "2" {
    fileinto "Crowd";
}
