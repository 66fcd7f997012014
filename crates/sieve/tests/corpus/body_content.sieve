require ["body", "fileinto"];
if body :content "application/pdf" :contains "secret pdf" {
    fileinto "PDF";
}
if body :content "text/html" :contains "<b>" {
    fileinto "HTML";
}
if body :content "text" :contains "42 EUR" {
    fileinto "Text";
}
