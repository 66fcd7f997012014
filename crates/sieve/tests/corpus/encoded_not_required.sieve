require "fileinto";
if header :contains "subject" "Caf${hex:C3 A9}" {
    fileinto "Cafe";
}
fileinto "${hex:41}";
