require "fileinto";
keep;
fileinto "inbox";
fileinto "Work";
fileinto "Work";
