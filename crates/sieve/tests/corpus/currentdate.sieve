require ["date", "relational", "fileinto"];
if currentdate :value "ge" "date" "2024-03-15" {
    if currentdate :value "le" "date" "2024-03-31" {
        fileinto "March";
    }
}
if currentdate :zone "+0000" :is "hour" "09" {
    fileinto "NineUTC";
}
if currentdate :is "weekday" "5" {
    fileinto "Friday";
}
