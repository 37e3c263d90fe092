package orgs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

// An organization's edit page names a member organization and the
// organization above by typing names, not numbers: any organization may
// send members; only an organization the person runs is offered as the
// one above.
func TestEditFormsPickOrganizationsByName(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		region := f.mustCreate(t, 0, "party_branch", "Батыс Қазақстан облыстық филиалы", "Западно-Казахстанский областной филиал")
		city := f.mustCreate(t, region.ID, "party_branch", "Орал қалалық филиалы", "Уральский городской филиал")
		ppo := f.mustCreate(t, region.ID, "primary_organization", "Университеттің бастауыш партия ұйымы", "ППО университета")
		uni := f.mustCreate(t, 0, "university", "Батыс Қазақстан университеті", "Западно-Казахстанский университет")
		runner := f.env.NewPerson()
		f.env.Grant(runner, region.ID, "admin")
		c := f.env.Client()
		c.SignIn(runner)
		edit := fmt.Sprintf("/ru/organizations/%d", ppo.ID)

		// "батыс" matches the region and the university: both offered.
		r := c.PostForm(edit+"/member-organizations", url.Values{"source_id_q": {"батыс"}})
		if r.StatusCode != 422 || !strings.Contains(r.Body, `id="choices-source_id"`) || !strings.Contains(r.Body, fmt.Sprintf(`name="source_id_pick" value="%d"`, uni.ID)) {
			t.Fatalf("member organizations matching: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.PostForm(edit+"/member-organizations", url.Values{"source_id_q": {"батыс"}, "source_id_pick": {fmt.Sprint(uni.ID)}}); r.StatusCode != 303 {
			t.Fatalf("member organization chosen: %d\n%s", r.StatusCode, r.Body)
		}
		if r := c.Get(edit); !strings.Contains(r.Body, "Западно-Казахстанский университет") {
			t.Fatal("the member organization is not on the page")
		}
		// Move under the city branch, typed in Latin: one match, taken.
		if r := c.PostForm(edit+"/move", url.Values{"parent_id_q": {"Oral qalalyq"}}); r.StatusCode != 303 {
			t.Fatalf("move: %d\n%s", r.StatusCode, r.Body)
		}
		var parent int64
		if err := d.QueryRow(ctx, "SELECT parent_id FROM organizations WHERE id = ?", ppo.ID).Scan(&parent); err != nil || parent != city.ID {
			t.Fatalf("parent %d, %v", parent, err)
		}
		// The university is not the runner's: not offered as the one above.
		if r := c.PostForm(edit+"/move", url.Values{"parent_id_q": {"университет"}}); r.StatusCode != 422 || strings.Contains(r.Body, fmt.Sprintf(`value="%d"`, uni.ID)) {
			t.Fatalf("moved under a stranger's organization: %d", r.StatusCode)
		}
	})
}
