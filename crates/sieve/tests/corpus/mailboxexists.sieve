require ["mailbox", "fileinto"];
if mailboxexists "Work" {
    fileinto "Work";
}
if not mailboxexists ["Archive", "Missing"] {
    fileinto :create "Missing";
}
