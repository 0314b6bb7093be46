package storagetest

import (
	"strings"
	"testing"

	"coffre/storage"
)

// RunLocks checks that a lock taken by one principal stops the others, from
// any operation, and never its holder.
func RunLocks(t *testing.T, newEnv func(t *testing.T) RightsEnv) {
	setup := func(t *testing.T) RightsEnv {
		env := newEnv(t)
		matrixTree(t, env)
		grant(env, "/team", user(env), storage.AllRights)
		grant(env, "/team", storage.Subject{ID: env.OtherID}, storage.AllRights)
		return env
	}
	lock := func(t *testing.T, ns storage.Namespace, path string, opt storage.LockOptions) storage.Lock {
		t.Helper()
		l, err := ns.Lock(ctx, path, opt)
		if err != nil {
			t.Fatalf("lock %s: %v", path, err)
		}
		return l
	}
	t.Run("ExclusiveStopsOthersNotTheHolder", func(t *testing.T) {
		defer reportMust(t)
		env := setup(t)
		u, o := env.User, env.Other
		l := lock(t, u, "/team/f", storage.LockOptions{Owner: "<href>me</href>"})
		if !strings.HasPrefix(l.Token, "opaquelocktoken:") || l.Path != "/team/f" || l.UserID != env.UserID || !l.Expires.After(l.Created) {
			t.Fatalf("lock %+v", l)
		}
		expect(t, "other put", putErr(o, "/team/f"), storage.Locked)
		expect(t, "other delete", o.Delete(ctx, "/team/f", storage.DeleteOptions{}), storage.Locked)
		_, err := o.Move(ctx, "/team/f", "/team/f2")
		expect(t, "other move", err, storage.Locked)
		_, err = o.Copy(ctx, "/team/r", "/team/f", storage.CopyOptions{})
		expect(t, "other copy onto", err, storage.Locked)
		expect(t, "other delete versions", o.DeleteVersions(ctx, "/team/f", []uint64{1}), storage.Locked)
		_, err = o.Lock(ctx, "/team/f", storage.LockOptions{})
		expect(t, "other lock", err, storage.Locked)
		expect(t, "other unlock", o.Unlock(ctx, l.Token), storage.Permission)
		_, err = o.RefreshLock(ctx, l.Token, 0)
		expect(t, "other refresh", err, storage.Permission)
		expect(t, "other reads", func() error {
			obj, err := o.Open(ctx, "/team/f")
			if err == nil {
				obj.Close()
			}
			return err
		}(), ok)
		expect(t, "holder put", putErr(u, "/team/f"), ok)
		locks := must(o.Locks(ctx, "/team/f"))
		if len(locks) != 1 || locks[0].Token != l.Token || locks[0].Owner != "<href>me</href>" {
			t.Fatalf("locks seen by the other user: %+v", locks)
		}
		_, err = u.RefreshLock(ctx, l.Token, 0)
		expect(t, "holder refresh", err, ok)
		expect(t, "holder unlock", u.Unlock(ctx, l.Token), ok)
		expect(t, "other put after unlock", putErr(o, "/team/f"), ok)
		expect(t, "unlock twice", u.Unlock(ctx, l.Token), storage.NotFound)
	})
	t.Run("DeepLockCoversTheSubtree", func(t *testing.T) {
		defer reportMust(t)
		env := setup(t)
		o := env.Other
		lock(t, env.User, "/team/sub", storage.LockOptions{Deep: true})
		expect(t, "put new below", putErr(o, "/team/sub/deep/new"), storage.Locked)
		expect(t, "put over below", putErr(o, "/team/sub/f"), storage.Locked)
		_, err := o.Mkdir(ctx, "/team/sub/d")
		expect(t, "mkdir below", err, storage.Locked)
		_, err = o.Move(ctx, "/team/sub", "/team/moved")
		expect(t, "move the folder", err, storage.Locked)
		_, err = o.Move(ctx, "/team/f", "/team/sub/f2")
		expect(t, "move into the folder", err, storage.Locked)
		expect(t, "delete an ancestor", o.Delete(ctx, "/team", storage.DeleteOptions{}), storage.Locked)
		expect(t, "put beside", putErr(o, "/team/new"), ok)
		_, err = o.Lock(ctx, "/team", storage.LockOptions{Deep: true})
		expect(t, "deep lock above", err, storage.Locked)
		_, err = o.Lock(ctx, "/team/sub/f", storage.LockOptions{})
		expect(t, "lock below", err, storage.Locked)
		if got := len(must(o.Locks(ctx, "/team"))); got != 1 {
			t.Errorf("locks under /team: %d, want 1", got)
		}
	})
	t.Run("SharedLocksShare", func(t *testing.T) {
		defer reportMust(t)
		env := setup(t)
		lock(t, env.User, "/team/r", storage.LockOptions{Shared: true})
		_, err := env.Other.Lock(ctx, "/team/r", storage.LockOptions{Shared: true})
		expect(t, "a second shared lock", err, ok)
		_, err = env.Admin.Lock(ctx, "/team/r", storage.LockOptions{})
		expect(t, "an exclusive lock over shared ones", err, storage.Locked)
	})
	t.Run("AdministratorBreaksALock", func(t *testing.T) {
		defer reportMust(t)
		env := setup(t)
		l := lock(t, env.User, "/team/f", storage.LockOptions{})
		expect(t, "admin put", putErr(env.Admin, "/team/f"), storage.Locked)
		expect(t, "admin unlock", env.Admin.Unlock(ctx, l.Token), ok)
		expect(t, "other put after the break", putErr(env.Other, "/team/f"), ok)
	})
	t.Run("LockNeedsEdit", func(t *testing.T) {
		defer reportMust(t)
		env := setup(t)
		grant(env, "/team", storage.Subject{ID: env.OtherID}, storage.Browse|storage.Read)
		_, err := env.Other.Lock(ctx, "/team/f", storage.LockOptions{})
		expect(t, "lock without edit", err, storage.Permission)
	})
}
