package demo

// Demo reports: what the seeds' stories tell (a report meeting, the youth
// programme's proposals, a council's session, a caravan of meetings in a
// district), in our own words, with people invented and photos drawn here.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math/rand/v2"

	"github.com/ortaq/ortaq/internal/app"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/reports"
)

// demoPhoto draws a scene: sky, a hall's stage or a field, a banner in
// the given colour and a crowd of simple figures (seeded: the same photo
// each time).
func demoPhoto(seed uint64, banner color.RGBA, indoor bool) ([]byte, error) {
	const w, h = 1200, 800
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 7))
	top, bottom := color.RGBA{120, 180, 235, 255}, color.RGBA{205, 228, 245, 255}
	if indoor {
		top, bottom = color.RGBA{235, 225, 205, 255}, color.RGBA{215, 200, 175, 255}
	}
	for y := 0; y < h*6/10; y++ {
		f := float64(y) / float64(h*6/10)
		c := color.RGBA{uint8(float64(top.R)*(1-f) + float64(bottom.R)*f), uint8(float64(top.G)*(1-f) + float64(bottom.G)*f),
			uint8(float64(top.B)*(1-f) + float64(bottom.B)*f), 255}
		draw.Draw(img, image.Rect(0, y, w, y+1), image.NewUniform(c), image.Point{}, draw.Src)
	}
	ground := color.RGBA{110, 160, 90, 255}
	if indoor {
		ground = color.RGBA{140, 95, 70, 255}
	}
	draw.Draw(img, image.Rect(0, h*6/10, w, h), image.NewUniform(ground), image.Point{}, draw.Src)
	// The banner, with a lighter stripe.
	draw.Draw(img, image.Rect(w/5, h/8, w*4/5, h/4), image.NewUniform(banner), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(w/5, h/8+30, w*4/5, h/8+42), image.NewUniform(color.RGBA{255, 215, 0, 255}), image.Point{}, draw.Src)
	// The crowd: rows of figures, further ones smaller.
	for row := 0; row < 4; row++ {
		size := 26 + row*10
		y := h*55/100 + row*70
		for x := 20 + r.IntN(40); x < w-20; x += size*2 + r.IntN(30) {
			shirt := color.RGBA{uint8(40 + r.IntN(200)), uint8(40 + r.IntN(200)), uint8(40 + r.IntN(200)), 255}
			draw.Draw(img, image.Rect(x-size/2, y, x+size/2, y+size*2), image.NewUniform(shirt), image.Point{}, draw.Src)
			skin := color.RGBA{uint8(200 + r.IntN(40)), uint8(160 + r.IntN(40)), uint8(120 + r.IntN(40)), 255}
			rad := size / 2
			for dy := -rad; dy <= rad; dy++ {
				for dx := -rad; dx <= rad; dx++ {
					if dx*dx+dy*dy <= rad*rad {
						img.Set(x+dx, y-rad+dy, skin)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes(), err
}

func loadReports(ctx context.Context, a *app.App, people map[string]int64) error {
	admin, err := a.Auth.UserByID(ctx, people["admin@demo.ortaq.kz"])
	if err != nil {
		return err
	}
	rs := a.Reports
	first := func(q string, args ...any) int64 {
		var id int64
		if err := a.DB.QueryRow(ctx, q, args...).Scan(&id); err != nil {
			return 0
		}
		return id
	}
	primary, err := orgNamed(ctx, a.DB, "Oral city primary organization", "")
	if err != nil {
		return err
	}
	root, err := orgNamed(ctx, a.DB, "Jastar Rukhy youth wing", "")
	if err != nil {
		return err
	}
	district := first(`SELECT org_id FROM meetings WHERE kind = 'public' ORDER BY id LIMIT 1`)
	council := first(`SELECT org_id FROM meetings WHERE kind = 'council' ORDER BY id LIMIT 1`)
	reportMeeting := first(`SELECT id FROM meetings WHERE kind = 'report' ORDER BY id LIMIT 1`)
	councilMeeting := first(`SELECT id FROM meetings WHERE kind = 'council' ORDER BY id LIMIT 1`)
	caravan := first(`SELECT id FROM meetings WHERE kind = 'public' ORDER BY id LIMIT 1`)
	youth := first(`SELECT id FROM programmes WHERE title_en LIKE '%JASTAR%' ORDER BY id LIMIT 1`)
	if district == 0 {
		district = primary
	}
	if council == 0 {
		council = primary
	}
	photo := func(seed uint64, c color.RGBA, indoor bool) []reports.Upload {
		b, err := demoPhoto(seed, c, indoor)
		if err != nil {
			return nil
		}
		return []reports.Upload{{Name: fmt.Sprintf("demo-%d.jpg", seed), Data: b}}
	}
	link := func(kind string, id int64) []reports.Link {
		if id == 0 {
			return nil
		}
		return []reports.Link{{Kind: kind, ID: id}}
	}
	day := func(offset int) string { return a.DB.Now().AddDate(0, 0, offset).Format("2006-01-02") }
	blue, teal, red := color.RGBA{0, 110, 190, 255}, color.RGBA{0, 140, 130, 255}, color.RGBA{170, 40, 50, 255}
	list := []reports.Input{
		{OrgID: primary, EventDate: day(-20), Links: link("meeting", reportMeeting), Photos: photo(1, blue, true),
			Title: i18n.Text{KK: "Орал бастауыш ұйымы жылдық есебін тыңдады", RU: "Первичная организация Уральска подвела итоги года"},
			Body: i18n.Text{
				KK: "Бастауыш ұйымның жылдық есеп беру жиналысы онлайн өтті. Төраға бір жылда атқарылған жұмысты баяндады: " +
					"мүшелер саны өсті, мектептерде үш дебат клубы ашылды, еріктілер қысқы акцияға қатысты.\n\n" +
					"Жиналыс есепті **бірауыздан** мақұлдады және қалалық конференцияға делегаттар сайлады.",
				RU: "Отчётное собрание первичной организации прошло онлайн. Председатель рассказал о работе за год: " +
					"число членов выросло, в школах открылись три дебат-клуба, волонтёры провели зимнюю акцию.\n\n" +
					"Собрание **единогласно** утвердило отчёт и избрало делегатов на городскую конференцию."}},
		{OrgID: root, EventDate: day(-12), Links: link("programme", youth), Photos: photo(2, teal, false),
			Title: i18n.Text{KK: "«ЖАСТАР – ОТАНҒА!»: жастар ұсыныстары жинала бастады", EN: "“JASTAR – OTANǴA!”: young people's proposals are being collected"},
			Body: i18n.Text{
				KK: "Жастар қанаты 2025 жылға дейінгі бағдарламаға ұсыныстар қабылдауды бастады. Әр өңірдегі жастар " +
					"жұмыспен қамту, гранттар, мектептерге интернет және баспана туралы ойларын жазып жатыр.\n\n" +
					"Ең көп қолдау тапқан ұсыныстар жол картасына енеді.",
				EN: "The youth wing has opened its programme to 2025 to proposals. Young people in every region write about " +
					"jobs, grants, internet for schools and housing. The proposals with the most support go to the roadmap."}},
		{OrgID: council, EventDate: day(-5), Links: link("meeting", councilMeeting), Photos: photo(3, red, true),
			Title: i18n.Text{KK: "Кеңес жасөспірімдердің жазғы демалысын талқылады", RU: "Совет обсудил летний отдых подростков"},
			Body: i18n.Text{
				KK: "Кеңестің кезекті отырысында жазғы лагерьлер мен көпбалалы отбасыларды қолдау қаралды. " +
					"Мүшелер әр ауданға жауапты адам бекітті.",
				RU: "На очередном заседании совета обсудили летние лагеря и поддержку многодетных семей. " +
					"За каждым районом закрепили ответственного."}},
		{OrgID: district, EventDate: day(-7), Links: link("meeting", caravan), Photos: photo(4, teal, false),
			Title: i18n.Text{KK: "Кездесулер керуені Сарысу ауданында болды", RU: "Караван встреч побывал в Сарысуском районе"},
			Body: i18n.Text{
				KK: "Қоғамдық келісім кеңесі мен Ақсақалдар кеңесінің мүшелері аудан тұрғындарымен кездесті. " +
					"Тұрғындар жол, су және жастарға арналған үйірмелер туралы сұрақ қойды; әр сұрақ жауапсыз қалмайды.",
				RU: "Члены советов общественного согласия и аксакалов встретились с жителями района. " +
					"Жители спрашивали о дорогах, воде и кружках для молодёжи; на каждый вопрос будет ответ."}},
	}
	for _, in := range list {
		if _, err := rs.Create(ctx, admin, in); err != nil {
			return fmt.Errorf("reports demo: %w", err)
		}
	}
	// The photos are scaled now, so the demo opens with them shown.
	if _, err := rs.PreparePhotos(ctx); err != nil {
		return fmt.Errorf("reports demo: photos: %w", err)
	}
	return nil
}
