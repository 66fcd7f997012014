require ["fileinto", "enotify"];
keep;
