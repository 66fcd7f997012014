require ["encoded-character", "fileinto"];
fileinto "${hex:ff}";
fileinto "${unicode:110000}";
