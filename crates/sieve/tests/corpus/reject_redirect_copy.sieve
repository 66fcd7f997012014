require ["reject", "copy"];
redirect :copy "audit@example.org";
reject "go away";
