package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"coffre/storage"
)

func TestIPAllowList(t *testing.T) {
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ips  []string
		ip   string
		want bool
	}{
		{nil, "192.0.2.1", true},                            // nil: everything
		{[]string{}, "192.0.2.1", false},                    // empty: nothing
		{[]string{"192.0.2.1"}, "192.0.2.1", true},          // a bare address is /32
		{[]string{"192.0.2.1"}, "192.0.2.2", false},         //
		{[]string{"192.0.2.1"}, "192.0.2.1:51234", true},    // RemoteAddr form
		{[]string{"10.0.0.0/8"}, "10.255.255.255", true},    // last of the range
		{[]string{"10.0.0.0/8"}, "11.0.0.0", false},         // first past it
		{[]string{"10.1.2.3/8"}, "10.9.9.9", true},          // host bits ignored
		{[]string{"10.0.0.0/8"}, "::ffff:10.1.1.1", true},   // v4-mapped v6 client
		{[]string{"::ffff:10.0.0.0/104"}, "10.1.1.1", true}, // v4-mapped v6 network
		{[]string{"0.0.0.0/0"}, "203.0.113.9", true},        // all of IPv4 …
		{[]string{"0.0.0.0/0"}, "2001:db8::1", false},       // … but not IPv6
		{[]string{"::/0"}, "2001:db8::1", true},             //
		{[]string{"2001:db8::/32"}, "2001:db8:ffff::1", true},
		{[]string{"2001:db8::/32"}, "[2001:db8::1]:443", true},
		{[]string{"2001:db8::/32"}, "fe80::1%eth0", false},
		{[]string{"fe80::/10"}, "fe80::1%eth0", true}, // zones dropped
		{[]string{"10.0.0.0/8"}, "", false},           // unknown address
		{[]string{"10.0.0.0/8"}, "garbage", false},
		{[]string{"192.0.2.0/24", "10.0.0.0/8"}, "10.0.0.1", true},
	} {
		o := ConnOptions{IPs: tc.ips}
		if ok, _ := o.allows(tc.ip, at); ok != tc.want {
			t.Errorf("IPs %v from %q: %v; want %v", tc.ips, tc.ip, ok, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "300.1.1.1", "10.0.0.0/", "host.example", "::ffff:1.2.3.4/90", "fe80::1%eth0"} {
		o := ConnOptions{IPs: []string{bad}}
		var fe *FieldError
		if _, err := o.validate("t"); !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != "ips" {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestDaysAndHours(t *testing.T) {
	wed := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC) // a Wednesday (8)
	sun := time.Date(2025, 3, 9, 12, 0, 0, 0, time.UTC) // Sunday (1)
	sat := time.Date(2025, 3, 8, 12, 0, 0, 0, time.UTC) // Saturday (64)
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		o    ConnOptions
		at   time.Time
		want bool
	}{
		{"weekdays on Wednesday", ConnOptions{Days: 62}, wed, true},
		{"weekdays on Sunday", ConnOptions{Days: 62}, sun, false},
		{"weekdays on Saturday", ConnOptions{Days: 62}, sat, false},
		{"Sunday bit", ConnOptions{Days: 1}, sun, true},
		{"Saturday bit", ConnOptions{Days: 64}, sat, true},
		{"zero is every day", ConnOptions{}, sun, true},
		{"day in GMT", ConnOptions{Days: 8}, time.Date(2025, 3, 6, 0, 30, 0, 0, paris), true}, // Thu 00:30 CET = Wed 23:30 GMT
		{"start inclusive", ConnOptions{HourStart: "12:00"}, wed, true},
		{"before start", ConnOptions{HourStart: "12:00:01"}, wed, false},
		{"end exclusive", ConnOptions{HourStart: "07:00:00", HourEnd: "12:00:00"}, wed, false},
		{"inside", ConnOptions{HourStart: "07:00:00", HourEnd: "16:00:00"}, wed, true},
		{"hours in GMT", ConnOptions{HourStart: "07:00", HourEnd: "12:00"}, time.Date(2025, 3, 5, 12, 30, 0, 0, paris), true},
		{"over midnight, late", ConnOptions{HourStart: "22:00", HourEnd: "06:00"}, time.Date(2025, 3, 5, 23, 0, 0, 0, time.UTC), true},
		{"over midnight, early", ConnOptions{HourStart: "22:00", HourEnd: "06:00"}, time.Date(2025, 3, 5, 5, 59, 59, 0, time.UTC), true},
		{"over midnight, day", ConnOptions{HourStart: "22:00", HourEnd: "06:00"}, wed, false},
		{"end only", ConnOptions{HourEnd: "13:00"}, wed, true},
	} {
		if _, err := tc.o.validate("t"); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if ok, _ := tc.o.allows("192.0.2.1", tc.at); ok != tc.want {
			t.Errorf("%s: %v; want %v", tc.name, ok, tc.want)
		}
	}
	for _, o := range []ConnOptions{{Days: 128}, {HourStart: "24:00"}, {HourEnd: "7h"}, {HourStart: "10:00", HourEnd: "10:00:00"}, {HourStart: "1:00"}} {
		if _, err := o.validate("t"); !storage.Is(storage.Invalid, err) {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestOptionsEnforcedOnEveryPath(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "sam", "sam-password")
	f.s.CreateGroup(ctx, "office")
	f.s.CreateGroup(ctx, "remote")
	f.s.CreateGroup(ctx, "plain")
	for _, g := range []string{"office", "remote", "plain"} {
		f.s.AddGroupMember(ctx, g, "sam")
	}
	office := Origin{IP: "10.0.0.5"}
	home := Origin{IP: "198.51.100.7"}
	if err := f.s.SetGroupOptions(ctx, "office", &ConnOptions{IPs: []string{"10.0.0.0/8"}}); err != nil {
		t.Fatal(err)
	}
	tok, _, _ := f.s.IssueToken(ctx, u.ID, APIToken, "")
	key, _, _ := f.s.CreateKey(ctx, "sam")
	try := func(o Origin) []error {
		_, e1 := f.s.Login(ctx, "sam", "sam-password", o)
		_, e2 := f.s.Authenticate(ctx, tok, o)
		_, _, e3 := f.s.SecretKey(ctx, key.AccessKey, o)
		return []error{e1, e2, e3}
	}
	expect := func(what string, o Origin, kind storage.Kind) {
		t.Helper()
		for i, err := range try(o) {
			if (kind == storage.Other && err != nil) || (kind != storage.Other && !storage.Is(kind, err)) {
				t.Errorf("%s, path %d: %v; want %v", what, i, err, kind)
			}
		}
	}
	// The group without options does not lift the office restriction.
	expect("office group, from home", home, storage.Permission)
	expect("office group, from the office", office, storage.Other)
	// Any one group with options suffices.
	f.s.SetGroupOptions(ctx, "remote", &ConnOptions{IPs: []string{"198.51.100.0/24"}, Days: 62})
	expect("remote group on a Wednesday", home, storage.Other)
	f.clock.Set(time.Date(2025, 3, 9, 10, 0, 0, 0, time.UTC)) // Sunday
	expect("remote group on a Sunday", home, storage.Permission)
	// The user's own options win over the groups'.
	f.s.SetUserOptions(ctx, "sam", &ConnOptions{})
	expect("own unrestricted options", Origin{IP: "203.0.113.1"}, storage.Other)
	opts, inherited, err := f.s.UserOptions(ctx, "sam")
	if err != nil || inherited || len(opts) != 1 {
		t.Fatalf("UserOptions = %+v %v %v", opts, inherited, err)
	}
	f.s.SetUserOptions(ctx, "sam", &ConnOptions{IPs: []string{}})
	expect("own empty allow-list", office, storage.Permission)
	f.s.SetUserOptions(ctx, "sam", nil)
	if _, inherited, _ := f.s.UserOptions(ctx, "sam"); !inherited {
		t.Fatal("options not inherited after removal")
	}
	if o, err := f.s.GroupOptions(ctx, "remote"); err != nil || o == nil || o.Days != 62 {
		t.Fatalf("GroupOptions = %+v %v", o, err)
	}
	if err := f.s.SetGroupOptions(ctx, "remote", &ConnOptions{Days: 200}); !storage.Is(storage.Invalid, err) {
		t.Fatalf("bad options stored: %v", err)
	}
	// A refused login is audited with the reason.
	ev := f.audit.all()
	if last := ev[len(ev)-1]; last.OK || last.Detail == "" {
		t.Fatalf("refusal audited as %+v", last)
	}
}
