require "fileinto";
if address :localpart :is "from" "bob+dev" {
    fileinto "Bob";
}
if address :all :is ["to", "cc"] "erin@example.com" {
    fileinto "Erin";
}
if address :domain :is "to" "example.org" {
    fileinto "Mine";
}
