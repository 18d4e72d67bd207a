module github.com/rtcterm/rtcterm

go 1.26
