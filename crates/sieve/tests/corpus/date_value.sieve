require ["date", "relational", "fileinto"];
if date :value "ge" "date" "date" "2024-01-01" {
    fileinto "2024";
}
if date :zone "+0000" :value "le" "date" "hour" "05" {
    fileinto "EarlyUTC";
}
if date :originalzone :is "date" "zone" "-0700" {
    fileinto "Pacific";
}
