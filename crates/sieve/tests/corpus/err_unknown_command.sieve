require "fileinto";
fileinot "Work";
