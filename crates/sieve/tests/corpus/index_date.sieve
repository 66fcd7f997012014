require ["index", "date", "fileinto"];
if date :index 1 :last :originalzone "received" "date" "2023-12-31" {
    fileinto "OldHop";
}
