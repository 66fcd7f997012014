require "fileinto";
if exists ["x-spam-score", "x-spam-flag"] {
    fileinto "Both";
}
if exists "list-id" {
    fileinto "List";
}
if not exists "date" {
    fileinto "NoDate";
}
