require "variables";
set "a" "1";
set "b" "2";
set "c" "3";
