package web

import (
	"net"
	"testing"
)

func TestBrowserURL(t *testing.T) {
	for _, c := range []struct {
		addr string
		want string
	}{
		{"127.0.0.1:8443", "http://127.0.0.1:8443/?room=demo"},
		{"0.0.0.0:80", "http://localhost:80/?room=demo"},
		{"[::]:8443", "http://localhost:8443/?room=demo"},
	} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := BrowserURL("http", a, "demo", ""); got != c.want {
			t.Errorf("BrowserURL(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
	if got := BrowserURL("http", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, "demo", ""); got != "http://127.0.0.1:1/?room=demo" {
		t.Errorf("no name: %q", got)
	}
	if got := BrowserURL("https", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, "a b&c", "Zoë"); got != "https://127.0.0.1:1/?room=a+b%26c&name=Zo%C3%AB" {
		t.Errorf("escaping: %q", got)
	}
}
