require "vacation";
vacation :days 3 :subject "Away" :from "me@example.org" "I am away until Monday.";
