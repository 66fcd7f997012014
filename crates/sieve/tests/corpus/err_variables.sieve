require "variables";
set "a.b" "x";
set "1" "x";
set :lower :upper "c" "x";
set "d" "${env.home}";
