require ["reject", "fileinto"];
if exists "x-spam-score" {
    fileinto "Junk";
    reject "spam";
}
