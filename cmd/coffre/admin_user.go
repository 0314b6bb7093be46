package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"coffre/auth"
)

const userUsage = `Usage:
  coffre user add LOGIN [--role N] [--email ADDR] [--firstname S] [--lastname S]
                        [--language L] [--quota BYTES] [--expires YYYY-MM-DD]
                        [--disabled] [--password-stdin | --no-password]
  coffre user list
  coffre user set LOGIN [--login NEW] [--role N] [--email ADDR] [--firstname S]
                        [--lastname S] [--language L] [--quota BYTES]
                        [--expires YYYY-MM-DD|never] [--active=true|false]
                        [--password-stdin | --new-password]
  coffre user delete LOGIN

Roles: 1 administrator, 2 manager, 3 user (default), 4 guest. Without
--password-stdin, user add generates a password and prints it once.
Every command takes --data DIR, --config FILE and --json.
`

func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return adminSubcommand(ctx, "user", args, stdout, stderr, map[string]adminCommand{
		"add":    userAdd(stdin),
		"list":   {run: userList},
		"set":    userSet(stdin),
		"delete": {args: []string{"login"}, run: userDelete},
	})
}

// userFields are the flags shared by user add and user set.
type userFields struct {
	role                             *int
	email, first, last, lang, expiry *string
	quota                            *int64
	passwordStdin                    *bool
}

func addUserFields(fs *flag.FlagSet) userFields {
	return userFields{
		role:          fs.Int("role", 3, "`role`: 1 administrator, 2 manager, 3 user, 4 guest"),
		email:         fs.String("email", "", "e-mail `addresses`, separated by commas"),
		first:         fs.String("firstname", "", "first `name`"),
		last:          fs.String("lastname", "", "last `name`"),
		lang:          fs.String("language", "auto", "`language`: auto, fr, en, de, es, it, nl"),
		expiry:        fs.String("expires", "", "expiry `date` (YYYY-MM-DD, GMT), or never"),
		quota:         fs.Int64("quota", 0, "quota in `bytes` (0 unlimited)"),
		passwordStdin: fs.Bool("password-stdin", false, "read the password from the first line of standard input"),
	}
}

func parseExpiry(s string) (time.Time, error) {
	if s == "" || s == "never" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, usageErrorf("--expires %q: want YYYY-MM-DD or never", s)
	}
	return t, nil
}

func userAdd(stdin io.Reader) adminCommand {
	var in auth.NewUser
	generated := false
	flags := func(fs *flag.FlagSet) func() error {
		f := addUserFields(fs)
		disabled := fs.Bool("disabled", false, "create the account inactive")
		noPassword := fs.Bool("no-password", false, "no password: the account can use only keys and tokens")
		return func() error {
			expires, err := parseExpiry(*f.expiry)
			if err != nil {
				return err
			}
			in = auth.NewUser{FirstName: *f.first, LastName: *f.last, Email: *f.email,
				Language: *f.lang, Role: auth.Role(*f.role), Disabled: *disabled, Expires: expires, Quota: *f.quota}
			switch {
			case *f.passwordStdin && *noPassword:
				return usageErrorf("user add: --password-stdin and --no-password exclude each other")
			case *f.passwordStdin:
				if in.Password, err = readSecret(stdin); err != nil {
					return err
				}
			case !*noPassword:
				in.Password, generated = auth.GeneratePassword(), true
			}
			return nil
		}
	}
	run := func(ctx context.Context, env *adminEnv, pos []string) error {
		in.Login = pos[0]
		u, err := env.auth.CreateUser(ctx, in)
		if err != nil {
			return err
		}
		out := userJSON(u, nil)
		if generated {
			out.Password = in.Password
		}
		return env.answerUser(out, "created user %s (id %s, role %d %s)", u.Login, u.ID, u.Role, u.Role)
	}
	return adminCommand{args: []string{"login"}, flags: flags, run: run}
}

// answerUser is answer for a user, with the password it was given, if
// generated, below the sentence.
func (e *adminEnv) answerUser(out userOut, format string, args ...any) error {
	if err := e.answer(out, format, args...); err != nil || e.json || out.Password == "" {
		return err
	}
	fmt.Fprintf(e.stdout, "password: %s\n(shown once; it is stored only hashed)\n", out.Password)
	return nil
}

// userOut is the JSON form of a user.
type userOut struct {
	ID        string   `json:"id"`
	Login     string   `json:"login"`
	FirstName string   `json:"firstname"`
	LastName  string   `json:"lastname"`
	Email     string   `json:"email"`
	Language  string   `json:"language"`
	Role      int      `json:"role"`
	Active    bool     `json:"active"`
	Expires   *string  `json:"expire"`
	Quota     int64    `json:"quota"`
	Created   string   `json:"creation_date"`
	Groups    []string `json:"groups"`
	Password  string   `json:"password,omitempty"` // generated, printed once
}

func userJSON(u auth.User, groupNames []string) userOut {
	o := userOut{ID: u.ID, Login: u.Login, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		Language: u.Language, Role: int(u.Role), Active: u.Active, Quota: u.Quota,
		Created: u.Created.UTC().Format(time.RFC3339), Groups: groupNames}
	if o.Groups == nil {
		o.Groups = []string{}
	}
	if !u.Expires.IsZero() {
		s := u.Expires.UTC().Format(time.RFC3339)
		o.Expires = &s
	}
	return o
}

func userList(ctx context.Context, env *adminEnv, _ []string) error {
	all, err := allPages(ctx, env.auth.Users, func(u auth.User) userOut {
		return userJSON(u, env.groupNames(ctx, u.Groups))
	})
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(all))
	for _, u := range all {
		active, expires, quota := "yes", "never", "unlimited"
		if !u.Active {
			active = "no"
		}
		if u.Expires != nil {
			expires = (*u.Expires)[:10]
		}
		if u.Quota > 0 {
			quota = strconv.FormatInt(u.Quota, 10)
		}
		rows = append(rows, []string{u.Login, strconv.Itoa(u.Role) + " " + auth.Role(u.Role).String(), active, expires, quota,
			u.Email, strings.TrimSpace(u.FirstName + " " + u.LastName), strings.Join(u.Groups, ","), u.ID})
	}
	return env.answerTable(all, []string{"LOGIN", "ROLE", "ACTIVE", "EXPIRES", "QUOTA", "EMAIL", "NAME", "GROUPS", "ID"}, rows)
}

// groupNames maps group IDs to names (the ID when a group is gone).
func (e *adminEnv) groupNames(ctx context.Context, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if g, err := e.auth.GroupByID(ctx, id); err == nil {
			out = append(out, g.Name)
		} else {
			out = append(out, id)
		}
	}
	return out
}

func userSet(stdin io.Reader) adminCommand {
	var ch auth.UserChange
	generated := ""
	flags := func(fs *flag.FlagSet) func() error {
		f := addUserFields(fs)
		login := fs.String("login", "", "new `login`")
		active := fs.Bool("active", true, "whether the account may log in")
		newPassword := fs.Bool("new-password", false, "generate a new password and print it once")
		return func() error {
			var ferr error
			fs.Visit(func(fl *flag.Flag) {
				switch fl.Name {
				case "login":
					ch.Login = login
				case "role":
					r := auth.Role(*f.role)
					ch.Role = &r
				case "email":
					ch.Email = f.email
				case "firstname":
					ch.FirstName = f.first
				case "lastname":
					ch.LastName = f.last
				case "language":
					ch.Language = f.lang
				case "quota":
					ch.Quota = f.quota
				case "active":
					ch.Active = active
				case "expires":
					t, err := parseExpiry(*f.expiry)
					if err != nil {
						ferr = err
					}
					ch.Expires = &t
				case "password-stdin":
					if *f.passwordStdin {
						pw, err := readSecret(stdin)
						if err != nil {
							ferr = err
						}
						ch.Password = &pw
					}
				case "new-password":
					if *newPassword {
						generated = auth.GeneratePassword()
						ch.Password = &generated
					}
				}
			})
			if ferr != nil {
				return ferr
			}
			if *f.passwordStdin && *newPassword {
				return usageErrorf("user set: --password-stdin and --new-password exclude each other")
			}
			return nil
		}
	}
	run := func(ctx context.Context, env *adminEnv, pos []string) error {
		u, err := env.auth.UpdateUser(ctx, pos[0], ch)
		if err != nil {
			return err
		}
		out := userJSON(u, env.groupNames(ctx, u.Groups))
		out.Password = generated
		return env.answerUser(out, "updated user %s (id %s)", u.Login, u.ID)
	}
	return adminCommand{args: []string{"login"}, flags: flags, run: run}
}

func userDelete(ctx context.Context, env *adminEnv, pos []string) error {
	if err := env.auth.DeleteUser(ctx, pos[0]); err != nil {
		return err
	}
	return env.answer(map[string]string{"deleted": pos[0]}, "deleted user %s", pos[0])
}
