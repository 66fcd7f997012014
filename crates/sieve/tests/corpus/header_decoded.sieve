require "fileinto";
if header :is "from" "Carol Müller <carol@example.com>" {
    fileinto "Carol";
}
if header :contains "subject" "Café invoice" {
    fileinto "Invoice";
}
