require ["comparator-i;ascii-numeric", "relational", "fileinto"];
if header :value "ge" :comparator "i;ascii-numeric" "x-spam-score" "10" {
    fileinto "Junk";
}
if header :is :comparator "i;ascii-numeric" "x-spam-score" "007" {
    fileinto "Seven";
}
