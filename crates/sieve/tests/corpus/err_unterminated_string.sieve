require "fileinto";
fileinto "Work;
