package store

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The tests that start Forward run in a synctest bubble: time there is
// exact, and the bubble fails the test if a goroutine it started is still
// blocked at the end, which is this package's leak check (store imports
// nothing outside the standard library, tests included).

// chat is an action that never coalesces, told apart by its text.
func chat(s string) Action { return ChatReceived{Text: s} }

// texts names a list of actions compactly for comparisons.
func texts(items []Action) string {
	out := make([]string, len(items))
	for i, a := range items {
		switch a := a.(type) {
		case ChatReceived:
			out[i] = a.Text
		case UpdateRemoteMedia:
			out[i] = fmt.Sprintf("media:%s:%v", a.PeerID, a.Audio)
		case ToggleAudio:
			out[i] = fmt.Sprintf("audio:%v", a.Enabled)
		default:
			out[i] = fmt.Sprintf("%T", a)
		}
	}
	return fmt.Sprint(out)
}

// TestQueueCloseWakesTheConsumer: a consumer that emptied the queue and
// waits on Ready is woken by Close, or Forward never returns; pushes after
// Close are refused and not counted as drops.
func TestQueueCloseWakesTheConsumer(t *testing.T) {
	q := NewQueue(8)
	q.Push(chat("1"))
	<-q.Ready()
	if got, closed := q.Take(); len(got) != 1 || closed {
		t.Fatalf("Take = %v, %v", got, closed)
	}
	q.Close()
	select {
	case <-q.Ready():
	default:
		t.Fatal("Close did not signal Ready")
	}
	if q.Push(chat("2")) {
		t.Fatal("a push after Close was kept")
	}
	if got, closed := q.Take(); len(got) != 0 || !closed {
		t.Fatalf("after Close: Take = %v, %v; want [], true", got, closed)
	}
	if st := q.Stats(); st != (QueueStats{}) {
		t.Fatalf("stats %+v, want none: a push after Close is no drop", st)
	}
	q.Close() // a second Close does nothing (and does not panic)
}

// TestQueueTakeReportsTheLastItems: Take says closed only once the queue
// is, and hands over what was queued before Close with it.
func TestQueueTakeReportsTheLastItems(t *testing.T) {
	q := NewQueue(8)
	q.Push(chat("1"))
	if items, closed := q.Take(); texts(items) != "[1]" || closed {
		t.Fatalf("open queue: Take = %v, %v; want [1], false", texts(items), closed)
	}
	q.Push(chat("2"))
	q.Push(chat("3"))
	q.Close()
	if items, closed := q.Take(); texts(items) != "[2 3]" || !closed {
		t.Fatalf("closed queue: Take = %v, %v; want [2 3], true", texts(items), closed)
	}
}

// TestQueueRefusesBeyondItsLimit: a queue nobody drains stops growing at
// its limit, refuses the newest (what it accepted stays) and counts it.
func TestQueueRefusesBeyondItsLimit(t *testing.T) {
	q := NewQueue(3)
	for i := range 5 {
		if kept := q.Push(chat(fmt.Sprint(i))); kept != (i < 3) {
			t.Fatalf("Push(%d) kept = %v", i, kept)
		}
	}
	if items, _ := q.Take(); texts(items) != "[0 1 2]" || q.Stats().Dropped != 2 {
		t.Fatalf("took %v, stats %+v; want [0 1 2], 2 dropped", texts(items), q.Stats())
	}
	if !q.Push(chat("9")) {
		t.Fatal("push refused after the queue was drained")
	}
}

// TestQueueCoalescesInPlace: a coalescing action replaces the queued one
// of its kind only across a run of coalescing actions, so it never moves
// past any other action; merging takes no slot; after a Take nothing
// queued earlier can be replaced.
func TestQueueCoalescesInPlace(t *testing.T) {
	q := NewQueue(8)
	media := func(peer string, on bool) Action { return UpdateRemoteMedia{PeerID: peer, Audio: on} }
	q.Push(media("a", false))
	q.Push(media("b", false))
	q.Push(media("a", true)) // replaces a's first: only b's came between
	q.Push(chat("x"))        // a later media state may not move before x
	q.Push(media("a", false))
	q.Push(media("b", true)) // b's first is before x: this one takes a slot
	q.Push(media("a", true)) // replaces a's third: only b's second came between
	if got, _ := q.Take(); texts(got) != "[media:a:true media:b:false x media:a:true media:b:true]" {
		t.Fatalf("queue held %v", texts(got))
	}
	if st := q.Stats(); st.Dropped != 0 || st.Coalesced != 2 {
		t.Fatalf("stats %+v, want 2 coalesced", st)
	}
	q.Push(media("a", false))
	if got, _ := q.Take(); texts(got) != "[media:a:false]" {
		t.Fatalf("after a Take the queue held %v", texts(got))
	}
}

// TestQueueKeepsEverySwitchWhileThereIsRoom: the local switches and the
// signaling state are not merged while the queue has room, so a reader
// that was busy still sees every switch in the order it was made (rtc's
// TestSwitchesAreRecordedByRTC relies on it).
func TestQueueKeepsEverySwitchWhileThereIsRoom(t *testing.T) {
	q := NewQueue(8)
	in := []Action{ToggleAudio{}, ToggleVideo{}, ToggleAudio{Enabled: true}, ToggleScreenShare{Enabled: true}, ToggleScreenShare{},
		UpdateSignaling{Signaling: Signaling{Status: SignalingReconnecting}}, UpdateSignaling{Signaling: Signaling{Status: SignalingConnected}}}
	for _, a := range in {
		q.Push(a)
	}
	if got, _ := q.Take(); !reflect.DeepEqual(got, in) || q.Stats() != (QueueStats{}) {
		t.Fatalf("took %v, stats %+v; want every one of %v", got, q.Stats(), in)
	}
}

// TestQueueCompactsWhenFull: when full, the coalescing actions that a
// newer one of their kind follows are removed, whatever lies between, and
// every other action keeps its place; a status is never removed.
func TestQueueCompactsWhenFull(t *testing.T) {
	q := NewQueue(6)
	in := []Action{
		AddPeerConnection{PeerID: "a"},
		UpdateRemoteMedia{PeerID: "a", Audio: true}, // superseded by the fourth
		UpdateConnectionStatus{PeerID: "a", Status: StatusConnected},
		UpdateRemoteMedia{PeerID: "a", Video: true},
		UpdateConnectionStatus{PeerID: "a", Status: StatusDisconnected},
		UpdateConnectionStatus{PeerID: "a", Status: StatusConnected},
	}
	for _, a := range in {
		if !q.Push(a) {
			t.Fatalf("refused %#v below the limit", a)
		}
	}
	last := RemovePeerConnection{PeerID: "a"}
	if !q.Push(last) {
		t.Fatal("full with a superseded action queued: the new one was refused")
	}
	want := []Action{in[0], in[2], in[3], in[4], in[5], last}
	if got, _ := q.Take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("compacted:\n got %v\nwant %v", got, want)
	}
	if st := q.Stats(); st.Dropped != 0 || st.Coalesced != 1 {
		t.Fatalf("stats %+v, want 1 coalesced", st)
	}
}

// TestQueueFullMakesRoomForANewerOne: a full queue with nothing
// superseded yet still takes a switch whose older one is queued, by
// removing the older one; an action of another kind is refused.
func TestQueueFullMakesRoomForANewerOne(t *testing.T) {
	q := NewQueue(3)
	q.Push(ToggleAudio{})
	q.Push(chat("x"))
	q.Push(chat("y"))
	if q.Push(chat("z")) {
		t.Fatal("a full queue kept a chat line")
	}
	if !q.Push(ToggleAudio{Enabled: true}) {
		t.Fatal("a full queue refused a switch that supersedes a queued one")
	}
	if got, _ := q.Take(); texts(got) != "[x y audio:true]" {
		t.Fatalf("queue held %v", texts(got))
	}
	if st := q.Stats(); st.Dropped != 1 || st.Coalesced != 1 {
		t.Fatalf("stats %+v, want 1 dropped, 1 coalesced", st)
	}
}

// TestQueueBoundedWithoutReader: with nobody reading, a long flood of
// switches with other actions between them stays within the bound, drops
// nothing, and keeps the first join, every other action and the last
// switch.
func TestQueueBoundedWithoutReader(t *testing.T) {
	const limit = 64
	q := NewQueue(limit)
	q.Push(AddPeerConnection{PeerID: "a"})
	barriers := 0
	for i := range 10 * limit {
		if !q.Push(ToggleAudio{Enabled: i%2 == 0}) {
			t.Fatalf("switch %d refused", i)
		}
		if i%20 == 0 {
			if !q.Push(chat(fmt.Sprint(i))) {
				t.Fatalf("chat %d refused", i)
			}
			barriers++
		}
	}
	q.Push(ToggleAudio{Enabled: false})
	items, _ := q.Take()
	if len(items) > limit {
		t.Fatalf("%d queued, bound is %d", len(items), limit)
	}
	if _, ok := items[0].(AddPeerConnection); !ok {
		t.Errorf("first action %T, want the join kept", items[0])
	}
	if last, ok := items[len(items)-1].(ToggleAudio); !ok || last.Enabled {
		t.Errorf("last action %#v, want the last switch (off)", items[len(items)-1])
	}
	chats := 0
	for _, a := range items {
		if _, ok := a.(ChatReceived); ok {
			chats++
		}
	}
	if chats != barriers || q.Stats().Dropped != 0 {
		t.Errorf("%d of %d chat lines kept, stats %+v", chats, barriers, q.Stats())
	}
}

// coalescingFrom is an action of a kind the queue merges, over the same
// small peer alphabet as actionFrom.
func coalescingFrom(op, peer, arg byte) Action {
	id := []string{"a", "b", "c", ""}[peer%4]
	on := arg%2 == 0
	switch op % 8 {
	case 0:
		return UpdateRemoteMedia{PeerID: id, Audio: on, Video: arg%3 == 0}
	case 1:
		return SetConnectionError{PeerID: id, Error: []string{"", "e1", "e2"}[arg%3]}
	case 2:
		return UpdateSignaling{Signaling: Signaling{Status: SignalingConnected, Attempt: int(arg % 4)}}
	case 3:
		return ToggleAudio{Enabled: on}
	case 4:
		return ToggleVideo{Enabled: on}
	case 5:
		return ToggleScreenShare{Enabled: on}
	case 6:
		return ToggleLowBandwidth{Enabled: on}
	default:
		return SetAudioOutput{Reason: []string{"", "gone"}[arg%2]}
	}
}

// TestQueuePreservesTheReducedState: whatever the queue merges or
// compacts, a reader that reduces everything it takes ends in the state
// the actions give when reduced one by one, so long as nothing was
// refused. Random sequences (fixed seed) over few peers, half of them of
// coalescing kinds, with the reader taking at random moments.
func TestQueuePreservesTheReducedState(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	byte3 := func() (byte, byte, byte) { return byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256)) }
	compared, merged := 0, uint64(0)
	for run := range 2000 {
		q := NewQueue(6 + run%8)
		direct, read := New(), New()
		for range 80 {
			var a Action
			if r.UintN(2) == 0 {
				a = coalescingFrom(byte3())
			} else {
				a = actionFrom(byte3())
			}
			q.Push(a)
			direct = Reduce(direct, a)
			if r.UintN(5) == 0 {
				items, _ := q.Take()
				for _, a := range items {
					read = Reduce(read, a)
				}
			}
		}
		items, _ := q.Take()
		for _, a := range items {
			read = Reduce(read, a)
		}
		st := q.Stats()
		if st.Dropped > 0 {
			continue
		}
		compared++
		merged += st.Coalesced
		if !reflect.DeepEqual(direct, read) {
			t.Fatalf("run %d: the reader's state differs:\n got %+v\nwant %+v", run, read, direct)
		}
	}
	if compared < 200 || merged == 0 {
		t.Fatalf("only %d runs without drops, %d actions merged: the test proves little", compared, merged)
	}
	t.Logf("%d runs compared, %d actions merged in them", compared, merged)
}

// TestForwardDeliversInOrder: a reader gets every action in order, the
// ones queued just before Close included, and Forward then closes the
// channel and returns having abandoned nothing.
func TestForwardDeliversInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := NewQueue(16)
		out := make(chan Action)
		abandoned := make(chan int, 1)
		go func() { abandoned <- q.Forward(out, time.Second) }()
		var got []Action
		for i := range 5 {
			q.Push(chat(fmt.Sprint(i)))
			got = append(got, <-out)
		}
		q.Push(chat("5"))
		q.Push(chat("6"))
		q.Close()
		for a := range out {
			got = append(got, a)
		}
		if texts(got) != "[0 1 2 3 4 5 6]" {
			t.Fatalf("read %v", texts(got))
		}
		if n := <-abandoned; n != 0 {
			t.Fatalf("%d abandoned with the reader there", n)
		}
	})
}

// TestForwardWaitsForAReaderUntilClose: while the queue is open Forward
// never gives up on a reader (an hour passes, nothing is lost); after
// Close it gives up after the grace, abandons what is left, counts it and
// closes the channel.
func TestForwardWaitsForAReaderUntilClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 500 * time.Millisecond
		q := NewQueue(16)
		out := make(chan Action)
		abandoned := make(chan int, 1)
		go func() { abandoned <- q.Forward(out, grace) }()
		for i := range 3 {
			q.Push(chat(fmt.Sprint(i)))
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		select {
		case n := <-abandoned:
			t.Fatalf("Forward returned (%d abandoned) with the queue open", n)
		default:
		}
		if a := <-out; texts([]Action{a}) != "[0]" {
			t.Fatalf("first action %v after an hour", texts([]Action{a}))
		}
		start := time.Now()
		q.Close()
		if n := <-abandoned; n != 2 || q.Stats().Abandoned != 2 {
			t.Fatalf("abandoned %d, stats %+v; want 2", n, q.Stats())
		}
		if waited := time.Since(start); waited != grace {
			t.Fatalf("Forward gave up after %v, grace is %v", waited, grace)
		}
		if _, ok := <-out; ok {
			t.Fatal("out not closed")
		}
	})
}

// TestForwardGraceIsInAll: a reader that takes one action per 100 ms
// while many are queued gets the grace once, not per action.
func TestForwardGraceIsInAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 500 * time.Millisecond
		q := NewQueue(100)
		for i := range 100 {
			q.Push(chat(fmt.Sprint(i)))
		}
		out := make(chan Action)
		abandoned := make(chan int, 1)
		start := time.Now()
		q.Close()
		go func() { abandoned <- q.Forward(out, grace) }()
		read := 0
		for range out {
			read++
			time.Sleep(100 * time.Millisecond)
		}
		n := <-abandoned
		if read+n != 100 || read > 7 {
			t.Fatalf("read %d, abandoned %d of 100; want at most 7 read in %v", read, n, grace)
		}
		if took := time.Since(start); took > grace+100*time.Millisecond {
			t.Fatalf("Forward took %v, grace %v", took, grace)
		}
	})
}

// TestQueueConcurrentPushers: under -race, pushers on several goroutines
// and Forward to a reader account for every action: read or refused.
func TestQueueConcurrentPushers(t *testing.T) {
	const pushers, each = 4, 2000
	q := NewQueue(64)
	out := make(chan Action, 8)
	fwd := make(chan int, 1)
	go func() { fwd <- q.Forward(out, time.Minute) }()
	read := make(chan int, 1)
	go func() {
		n := 0
		for range out {
			n++
		}
		read <- n
	}()
	var wg sync.WaitGroup
	for p := range pushers {
		wg.Go(func() {
			for i := range each {
				q.Push(chat(fmt.Sprint(p, i)))
			}
		})
	}
	wg.Wait()
	q.Close()
	if n := <-fwd; n != 0 {
		t.Fatalf("%d abandoned with a reader there", n)
	}
	got, st := <-read, q.Stats()
	if uint64(got)+st.Dropped != pushers*each {
		t.Fatalf("read %d + dropped %d != pushed %d", got, st.Dropped, pushers*each)
	}
}
