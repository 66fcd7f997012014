require ["encoded-character", "fileinto"];
if header :contains "subject" "Caf${hex:C3 A9}" {
    fileinto "${unicode:43}af${unicode:e9}";
}
