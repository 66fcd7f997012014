require ["body", "fileinto"];
if body :contains "lunch" {
    fileinto "Social";
}
if body :text :contains "invoice" {
    fileinto "Bills";
}
