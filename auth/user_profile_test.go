package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"coffre/storage"
)

// Phone and organization are stored, changed and checked like the names.
func TestUserPhoneAndOrganization(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u, err := f.s.CreateUser(ctx, NewUser{Login: "olga", Phone: "+33 5 01 02 03 04, 06 00", Organization: "OSS"})
	if err != nil || u.Phone != "+33 5 01 02 03 04, 06 00" || u.Organization != "OSS" {
		t.Fatalf("created %+v, %v", u, err)
	}
	phone, org := "", "Coffre SA"
	if u, err = f.s.UpdateUser(ctx, "olga", UserChange{Phone: &phone, Organization: &org}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.UserByID(ctx, u.ID); got.Phone != "" || got.Organization != "Coffre SA" {
		t.Fatalf("after update: %+v", got)
	}
	for field, ch := range map[string]UserChange{
		"phone":        {Phone: ptr("line\nbreak")},
		"organization": {Organization: ptr(strings.Repeat("x", maxName+1))},
	} {
		var fe *FieldError
		if _, err := f.s.UpdateUser(ctx, "olga", ch); !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("bad %s: %v; want Invalid on %s", field, err, field)
		}
	}
}

func ptr[T any](v T) *T { return &v }
