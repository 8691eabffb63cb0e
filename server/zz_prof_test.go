package server_test

import (
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"blog/server"
)

func TestProfileLoad(t *testing.T) {
	e := newPerfEnv(t, server.DefaultConfig().Pool)
	e.fresh(t)
	f, _ := os.Create("/tmp/load.cpu")
	pprof.StartCPUProfile(f)
	n, _, _ := e.load(t, e.service.URL, scenarios()[0], "p", 16, 5*time.Second)
	pprof.StopCPUProfile()
	f.Close()
	t.Logf("%.0f req/s", n)
}
