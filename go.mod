module github.com/rtcterm/rtcterm

go 1.26

require github.com/pion/transport/v5 v5.1.4

require (
	github.com/wlynxg/anet v0.0.5 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
