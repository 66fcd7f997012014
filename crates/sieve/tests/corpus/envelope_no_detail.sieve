require ["envelope", "subaddress", "fileinto"];
if envelope :detail "to" "" {
    fileinto "EmptyDetail";
}
if envelope :detail :matches "to" "*" {
    fileinto "AnyDetail";
}
