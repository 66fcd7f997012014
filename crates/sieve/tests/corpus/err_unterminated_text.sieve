require "vacation";
vacation text:
I am away
