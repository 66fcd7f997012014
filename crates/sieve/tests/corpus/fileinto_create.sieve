require ["fileinto", "mailbox"];
if header :contains "subject" "release" {
    fileinto :create "Lists/dev";
} elsif address :domain "from" "example.com" {
    fileinto "Work";
}
