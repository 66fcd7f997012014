if true {
    fileinto "Work";
}
redirect :copy "a@example.org";
if body :contains "x" { stop; }
