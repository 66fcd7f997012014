require "vacation";
vacation "Out of office.";
