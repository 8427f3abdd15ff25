package devtemporal

import (
	"fmt"
	"net"
	"strconv"
)

// checkFree fails early when a port a person connects to is taken: the Web UI server would
// otherwise panic the whole process from its goroutine.
func checkFree(ip string, ports ...int) error {
	for _, p := range ports {
		if p == 0 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err != nil {
			return fmt.Errorf("port %d on %s is not free: %w", p, ip, err)
		}
		_ = l.Close()
	}
	return nil
}

// freePorts asks the kernel for n distinct free ports for the internal services.
func freePorts(ip string, n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// FreePort returns one free port on ip, for tests that need a frontend port.
func FreePort(ip string) (int, error) {
	p, err := freePorts(ip, 1)
	if err != nil {
		return 0, err
	}
	return p[0], nil
}
