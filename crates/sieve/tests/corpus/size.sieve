require "fileinto";
if size :over 500 {
    fileinto "Big";
} elsif size :under 330 {
    fileinto "Tiny";
}
if size :under 1K {
    fileinto "UnderK";
}
