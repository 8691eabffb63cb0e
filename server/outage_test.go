package server_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/entblog/blog/openapi/rest"
	"github.com/entblog/blog/server"
	"github.com/entblog/blog/server/database/dbtest"
)

// privatePostgres starts a PostgreSQL cluster of its own for this test (the
// shared server must keep running for the other tests) and returns its URL
// and its pg_ctl.
func privatePostgres(t *testing.T) (url string, pgctl func(args ...string)) {
	c := dbtest.NewCluster(t)
	return c.URL("postgres"), c.PgCtl
}

// TestDatabaseOutageRecovery stops PostgreSQL under load: requests fail fast
// with 503 (never 500, never hanging), and succeed again by themselves once
// PostgreSQL is back.
func TestDatabaseOutageRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	url, pgctl := privatePostgres(t)
	db := dbtest.Open(t, url)
	cfg := server.DefaultConfig()
	cfg.RequestTimeout = 3 * time.Second
	ts, _ := opsServer(t, db, cfg)
	u, err := rest.NewClient(ts.URL, nil).CreateUser(context.Background(), rest.UserCreate{Name: "survivor"})
	if err != nil {
		t.Fatal(err)
	}

	type sample struct {
		phase, status int
		took          time.Duration
	}
	var mu sync.Mutex
	var phase int // 0 up (and stopping), 1 stopped, 2 restarting and after
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				p := phase
				mu.Unlock()
				start := time.Now()
				status := -1
				if resp, err := client.Get(fmt.Sprintf("%s/users/%d", ts.URL, u.ID)); err == nil {
					status = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				samples = append(samples, sample{p, status, time.Since(start)})
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	setPhase := func(p int) { mu.Lock(); phase = p; mu.Unlock() }
	time.Sleep(300 * time.Millisecond)
	pgctl("-m", "fast", "stop")
	setPhase(1)
	time.Sleep(1500 * time.Millisecond)
	setPhase(2)
	pgctl("start")
	recovered := time.Now()
	for time.Since(recovered) < 15*time.Second {
		mu.Lock()
		n, ok := len(samples), 0
		for i := n - 1; i >= 0 && i >= n-20; i-- {
			if samples[i].phase == 2 && samples[i].status == 200 {
				ok++
			}
		}
		mu.Unlock()
		if ok == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	count := map[[2]int]int{}
	var slowest time.Duration
	for _, s := range samples {
		count[[2]int{s.phase, s.status}]++
		if s.phase == 1 && s.took > slowest {
			slowest = s.took
		}
		if s.status != 200 && s.status != 503 {
			t.Errorf("phase %d: status %d (want only 200 or 503)", s.phase, s.status)
		}
	}
	t.Logf("samples (phase, status): %v; slowest answer while down: %s", count, slowest)
	if count[[2]int{0, 200}] == 0 || count[[2]int{1, 503}] == 0 {
		t.Errorf("want 200s before the stop and 503s while down: %v", count)
	}
	if count[[2]int{1, 200}] > 0 {
		t.Errorf("%d requests succeeded while PostgreSQL was stopped", count[[2]int{1, 200}])
	}
	if slowest > time.Second {
		t.Errorf("slowest answer while down took %s, want a fast failure (< 1s)", slowest)
	}
	mu.Lock()
	last := samples[len(samples)-1]
	mu.Unlock()
	if last.phase != 2 || last.status != 200 {
		t.Errorf("not recovered 15s after PostgreSQL came back: last sample %+v", last)
	}
}
