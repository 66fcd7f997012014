require "fileinto";
if header :is :comparator "i;octet" "subject" "lunch tomorrow?" {
    fileinto "CaseInsensitive";
}
if header :is :comparator "i;octet" "subject" "Lunch tomorrow?" {
    fileinto "Exact";
}
if header :matches "subject" "lunch ?omorrow\\?" {
    fileinto "Escaped";
}
