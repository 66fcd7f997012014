require ["envelope", "subaddress", "fileinto", "variables"];
if envelope :detail "to" "*" {
    fileinto "Plus/${1}";
}
if envelope :user "to" "me" {
    fileinto "Mine";
}
if envelope :all :is "from" "sender@example.com" {
    fileinto "Sender";
}
