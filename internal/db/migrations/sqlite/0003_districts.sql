-- Districts (аудандар / районы) and cities of regional significance
-- (облыстық маңызы бар қалалар / города областного значения) under each of
-- the 17 regions, and the districts of the three cities of republican
-- significance, as the division stood after the 8 June 2022 reform (Abai,
-- Jetisu and Ulytau regions created; Aksuat and Samar districts restored).
-- Cities of district significance (e.g. Ayagoz, Aksai, Zhetisai) stay inside
-- their districts and are not listed. Baikonur (leased to Russia, under
-- republican administration) is left out on purpose.
--
-- Code: parent code + '-' + slug of the English name. sort: 20 for cities,
-- 30 for districts. Russian names use Russian letters, as 0002 does, where
-- the official Russian text keeps Kazakh ones (район Аққулы -> район Аккулы).
--
-- Created after 2022 and therefore NOT listed here; a later migration should
-- add them (and move the rural districts they took over):
--   KZ-10 Abai: район Мақаншы (from Urzhar), район Жаңасемей (from Semey).
--   KZ-63 East Kazakhstan: район Марқакөл (from Kurchum),
--         район Үлкен Нарын (from Katon-Karagai).
--   KZ-19 Almaty Region: city of Alatau.
--   KZ-71 Astana: район Сарайшық.

-- Astana (KZ-71)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-71-almaty', 'district', 'KZ-71', 'Алматы ауданы', 'район Алматы', 'Almaty District', 30),
('KZ-71-baikonyr', 'district', 'KZ-71', 'Байқоңыр ауданы', 'район Байконыр', 'Baikonyr District', 30),
('KZ-71-yesil', 'district', 'KZ-71', 'Есіл ауданы', 'район Есиль', 'Yesil District', 30),
('KZ-71-saryarka', 'district', 'KZ-71', 'Сарыарқа ауданы', 'район Сарыарка', 'Saryarka District', 30),
('KZ-71-nura', 'district', 'KZ-71', 'Нұра ауданы', 'район Нура', 'Nura District', 30);

-- Almaty (KZ-75)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-75-alatau', 'district', 'KZ-75', 'Алатау ауданы', 'Алатауский район', 'Alatau District', 30),
('KZ-75-almaly', 'district', 'KZ-75', 'Алмалы ауданы', 'Алмалинский район', 'Almaly District', 30),
('KZ-75-auezov', 'district', 'KZ-75', 'Әуезов ауданы', 'Ауэзовский район', 'Auezov District', 30),
('KZ-75-bostandyk', 'district', 'KZ-75', 'Бостандық ауданы', 'Бостандыкский район', 'Bostandyk District', 30),
('KZ-75-zhetysu', 'district', 'KZ-75', 'Жетісу ауданы', 'Жетысуский район', 'Zhetysu District', 30),
('KZ-75-medeu', 'district', 'KZ-75', 'Медеу ауданы', 'Медеуский район', 'Medeu District', 30),
('KZ-75-nauryzbay', 'district', 'KZ-75', 'Наурызбай ауданы', 'Наурызбайский район', 'Nauryzbay District', 30),
('KZ-75-turksib', 'district', 'KZ-75', 'Түрксіб ауданы', 'Турксибский район', 'Turksib District', 30);

-- Shymkent (KZ-79)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-79-abai', 'district', 'KZ-79', 'Абай ауданы', 'Абайский район', 'Abai District', 30),
('KZ-79-al-farabi', 'district', 'KZ-79', 'Әл-Фараби ауданы', 'Аль-Фарабийский район', 'Al-Farabi District', 30),
('KZ-79-enbekshi', 'district', 'KZ-79', 'Еңбекші ауданы', 'Енбекшинский район', 'Enbekshi District', 30),
('KZ-79-karatau', 'district', 'KZ-79', 'Қаратау ауданы', 'Каратауский район', 'Karatau District', 30),
('KZ-79-turan', 'district', 'KZ-79', 'Тұран ауданы', 'район Туран', 'Turan District', 30);

-- Abai Region (KZ-10). Not listed: Makanshy and Zhanasemey districts,
-- created after 2022 (see the head of this file).
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-10-semey', 'city', 'KZ-10', 'Семей қаласы', 'город Семей', 'Semey', 20),
('KZ-10-kurchatov', 'city', 'KZ-10', 'Курчатов қаласы', 'город Курчатов', 'Kurchatov', 20),
('KZ-10-abai', 'district', 'KZ-10', 'Абай ауданы', 'Абайский район', 'Abai District', 30),
('KZ-10-aksuat', 'district', 'KZ-10', 'Ақсуат ауданы', 'район Аксуат', 'Aksuat District', 30),
('KZ-10-ayagoz', 'district', 'KZ-10', 'Аягөз ауданы', 'Аягозский район', 'Ayagoz District', 30),
('KZ-10-beskaragai', 'district', 'KZ-10', 'Бесқарағай ауданы', 'Бескарагайский район', 'Beskaragai District', 30),
('KZ-10-borodulikha', 'district', 'KZ-10', 'Бородулиха ауданы', 'Бородулихинский район', 'Borodulikha District', 30),
('KZ-10-zharma', 'district', 'KZ-10', 'Жарма ауданы', 'Жарминский район', 'Zharma District', 30),
('KZ-10-kokpekti', 'district', 'KZ-10', 'Көкпекті ауданы', 'Кокпектинский район', 'Kokpekti District', 30),
('KZ-10-urzhar', 'district', 'KZ-10', 'Үржар ауданы', 'Урджарский район', 'Urzhar District', 30);

-- Akmola Region (KZ-11)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-11-kokshetau', 'city', 'KZ-11', 'Көкшетау қаласы', 'город Кокшетау', 'Kokshetau', 20),
('KZ-11-stepnogorsk', 'city', 'KZ-11', 'Степногорск қаласы', 'город Степногорск', 'Stepnogorsk', 20),
('KZ-11-kosshy', 'city', 'KZ-11', 'Қосшы қаласы', 'город Косшы', 'Kosshy', 20),
('KZ-11-akkol', 'district', 'KZ-11', 'Аққөл ауданы', 'Аккольский район', 'Akkol District', 30),
('KZ-11-arshaly', 'district', 'KZ-11', 'Аршалы ауданы', 'Аршалынский район', 'Arshaly District', 30),
('KZ-11-astrakhan', 'district', 'KZ-11', 'Астрахан ауданы', 'Астраханский район', 'Astrakhan District', 30),
('KZ-11-atbasar', 'district', 'KZ-11', 'Атбасар ауданы', 'Атбасарский район', 'Atbasar District', 30),
('KZ-11-birzhan-sal', 'district', 'KZ-11', 'Біржан сал ауданы', 'район Биржан сал', 'Birzhan Sal District', 30),
('KZ-11-bulandy', 'district', 'KZ-11', 'Бұланды ауданы', 'Буландынский район', 'Bulandy District', 30),
('KZ-11-burabay', 'district', 'KZ-11', 'Бурабай ауданы', 'Бурабайский район', 'Burabay District', 30),
('KZ-11-egindikol', 'district', 'KZ-11', 'Егіндікөл ауданы', 'Егиндыкольский район', 'Egindikol District', 30),
('KZ-11-ereymentau', 'district', 'KZ-11', 'Ерейментау ауданы', 'Ерейментауский район', 'Ereymentau District', 30),
('KZ-11-yesil', 'district', 'KZ-11', 'Есіл ауданы', 'Есильский район', 'Yesil District', 30),
('KZ-11-zhaksy', 'district', 'KZ-11', 'Жақсы ауданы', 'Жаксынский район', 'Zhaksy District', 30),
('KZ-11-zharkain', 'district', 'KZ-11', 'Жарқайың ауданы', 'Жаркаинский район', 'Zharkain District', 30),
('KZ-11-zerendi', 'district', 'KZ-11', 'Зеренді ауданы', 'Зерендинский район', 'Zerendi District', 30),
('KZ-11-korgalzhyn', 'district', 'KZ-11', 'Қорғалжын ауданы', 'Коргалжынский район', 'Korgalzhyn District', 30),
('KZ-11-sandyktau', 'district', 'KZ-11', 'Сандықтау ауданы', 'Сандыктауский район', 'Sandyktau District', 30),
('KZ-11-tselinograd', 'district', 'KZ-11', 'Целиноград ауданы', 'Целиноградский район', 'Tselinograd District', 30),
('KZ-11-shortandy', 'district', 'KZ-11', 'Шортанды ауданы', 'Шортандинский район', 'Shortandy District', 30);

-- Aktobe Region (KZ-15). Kobda: the statistical classifier still writes
-- «Хобдинский район»; the district's own bodies use «Кобдинский».
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-15-aktobe', 'city', 'KZ-15', 'Ақтөбе қаласы', 'город Актобе', 'Aktobe', 20),
('KZ-15-aiteke-bi', 'district', 'KZ-15', 'Әйтеке би ауданы', 'Айтекебийский район', 'Aiteke Bi District', 30),
('KZ-15-alga', 'district', 'KZ-15', 'Алға ауданы', 'Алгинский район', 'Alga District', 30),
('KZ-15-baiganin', 'district', 'KZ-15', 'Байғанин ауданы', 'Байганинский район', 'Baiganin District', 30),
('KZ-15-irgiz', 'district', 'KZ-15', 'Ырғыз ауданы', 'Иргизский район', 'Irgiz District', 30),
('KZ-15-kargaly', 'district', 'KZ-15', 'Қарғалы ауданы', 'Каргалинский район', 'Kargaly District', 30),
('KZ-15-kobda', 'district', 'KZ-15', 'Қобда ауданы', 'Кобдинский район', 'Kobda District', 30),
('KZ-15-martuk', 'district', 'KZ-15', 'Мәртөк ауданы', 'Мартукский район', 'Martuk District', 30),
('KZ-15-mugalzhar', 'district', 'KZ-15', 'Мұғалжар ауданы', 'Мугалжарский район', 'Mugalzhar District', 30),
('KZ-15-temir', 'district', 'KZ-15', 'Темір ауданы', 'Темирский район', 'Temir District', 30),
('KZ-15-oiyl', 'district', 'KZ-15', 'Ойыл ауданы', 'Уилский район', 'Oiyl District', 30),
('KZ-15-khromtau', 'district', 'KZ-15', 'Хромтау ауданы', 'Хромтауский район', 'Khromtau District', 30),
('KZ-15-shalkar', 'district', 'KZ-15', 'Шалқар ауданы', 'Шалкарский район', 'Shalkar District', 30);

-- Almaty Region (KZ-19). Not listed: the city of Alatau, created after
-- 2022 (see the head of this file).
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-19-konaev', 'city', 'KZ-19', 'Қонаев қаласы', 'город Конаев', 'Konaev', 20),
('KZ-19-balkhash', 'district', 'KZ-19', 'Балқаш ауданы', 'Балхашский район', 'Balkhash District', 30),
('KZ-19-enbekshikazakh', 'district', 'KZ-19', 'Еңбекшіқазақ ауданы', 'Енбекшиказахский район', 'Enbekshikazakh District', 30),
('KZ-19-zhambyl', 'district', 'KZ-19', 'Жамбыл ауданы', 'Жамбылский район', 'Zhambyl District', 30),
('KZ-19-ile', 'district', 'KZ-19', 'Іле ауданы', 'Илийский район', 'Ile District', 30),
('KZ-19-karasai', 'district', 'KZ-19', 'Қарасай ауданы', 'Карасайский район', 'Karasai District', 30),
('KZ-19-kegen', 'district', 'KZ-19', 'Кеген ауданы', 'Кегенский район', 'Kegen District', 30),
('KZ-19-raiymbek', 'district', 'KZ-19', 'Райымбек ауданы', 'Райымбекский район', 'Raiymbek District', 30),
('KZ-19-talgar', 'district', 'KZ-19', 'Талғар ауданы', 'Талгарский район', 'Talgar District', 30),
('KZ-19-uigur', 'district', 'KZ-19', 'Ұйғыр ауданы', 'Уйгурский район', 'Uigur District', 30);

-- Atyrau Region (KZ-23)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-23-atyrau', 'city', 'KZ-23', 'Атырау қаласы', 'город Атырау', 'Atyrau', 20),
('KZ-23-zhylyoi', 'district', 'KZ-23', 'Жылыой ауданы', 'Жылыойский район', 'Zhylyoi District', 30),
('KZ-23-inder', 'district', 'KZ-23', 'Индер ауданы', 'Индерский район', 'Inder District', 30),
('KZ-23-isatai', 'district', 'KZ-23', 'Исатай ауданы', 'Исатайский район', 'Isatai District', 30),
('KZ-23-kurmangazy', 'district', 'KZ-23', 'Құрманғазы ауданы', 'Курмангазинский район', 'Kurmangazy District', 30),
('KZ-23-kyzylkoga', 'district', 'KZ-23', 'Қызылқоға ауданы', 'Кызылкогинский район', 'Kyzylkoga District', 30),
('KZ-23-makat', 'district', 'KZ-23', 'Мақат ауданы', 'Макатский район', 'Makat District', 30),
('KZ-23-makhambet', 'district', 'KZ-23', 'Махамбет ауданы', 'Махамбетский район', 'Makhambet District', 30);

-- West Kazakhstan Region (KZ-27)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-27-oral', 'city', 'KZ-27', 'Орал қаласы', 'город Уральск', 'Oral', 20),
('KZ-27-akzhaik', 'district', 'KZ-27', 'Ақжайық ауданы', 'Акжаикский район', 'Akzhaik District', 30),
('KZ-27-baiterek', 'district', 'KZ-27', 'Бәйтерек ауданы', 'район Байтерек', 'Baiterek District', 30),
('KZ-27-bokey-orda', 'district', 'KZ-27', 'Бөкей ордасы ауданы', 'Бокейординский район', 'Bokey Orda District', 30),
('KZ-27-burlin', 'district', 'KZ-27', 'Бөрлі ауданы', 'Бурлинский район', 'Burlin District', 30),
('KZ-27-zhangala', 'district', 'KZ-27', 'Жаңақала ауданы', 'Жангалинский район', 'Zhangala District', 30),
('KZ-27-zhanibek', 'district', 'KZ-27', 'Жәнібек ауданы', 'Жанибекский район', 'Zhanibek District', 30),
('KZ-27-kaztalov', 'district', 'KZ-27', 'Қазталов ауданы', 'Казталовский район', 'Kaztalov District', 30),
('KZ-27-karatobe', 'district', 'KZ-27', 'Қаратөбе ауданы', 'Каратобинский район', 'Karatobe District', 30),
('KZ-27-syrym', 'district', 'KZ-27', 'Сырым ауданы', 'Сырымский район', 'Syrym District', 30),
('KZ-27-taskala', 'district', 'KZ-27', 'Тасқала ауданы', 'Таскалинский район', 'Taskala District', 30),
('KZ-27-terekti', 'district', 'KZ-27', 'Теректі ауданы', 'Теректинский район', 'Terekti District', 30),
('KZ-27-shyngyrlau', 'district', 'KZ-27', 'Шыңғырлау ауданы', 'Чингирлауский район', 'Shyngyrlau District', 30);

-- Jambyl Region (KZ-31)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-31-taraz', 'city', 'KZ-31', 'Тараз қаласы', 'город Тараз', 'Taraz', 20),
('KZ-31-baizak', 'district', 'KZ-31', 'Байзақ ауданы', 'Байзакский район', 'Baizak District', 30),
('KZ-31-zhambyl', 'district', 'KZ-31', 'Жамбыл ауданы', 'Жамбылский район', 'Zhambyl District', 30),
('KZ-31-zhualy', 'district', 'KZ-31', 'Жуалы ауданы', 'Жуалынский район', 'Zhualy District', 30),
('KZ-31-kordai', 'district', 'KZ-31', 'Қордай ауданы', 'Кордайский район', 'Kordai District', 30),
('KZ-31-merki', 'district', 'KZ-31', 'Меркі ауданы', 'Меркенский район', 'Merki District', 30),
('KZ-31-moiynkum', 'district', 'KZ-31', 'Мойынқұм ауданы', 'Мойынкумский район', 'Moiynkum District', 30),
('KZ-31-sarysu', 'district', 'KZ-31', 'Сарысу ауданы', 'Сарысуский район', 'Sarysu District', 30),
('KZ-31-talas', 'district', 'KZ-31', 'Талас ауданы', 'Таласский район', 'Talas District', 30),
('KZ-31-turar-ryskulov', 'district', 'KZ-31', 'Тұрар Рысқұлов ауданы', 'район Турара Рыскулова', 'Turar Ryskulov District', 30),
('KZ-31-shu', 'district', 'KZ-31', 'Шу ауданы', 'Шуский район', 'Shu District', 30);

-- Jetisu Region (KZ-33)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-33-taldykorgan', 'city', 'KZ-33', 'Талдықорған қаласы', 'город Талдыкорган', 'Taldykorgan', 20),
('KZ-33-tekeli', 'city', 'KZ-33', 'Текелі қаласы', 'город Текели', 'Tekeli', 20),
('KZ-33-aksu', 'district', 'KZ-33', 'Ақсу ауданы', 'Аксуский район', 'Aksu District', 30),
('KZ-33-alakol', 'district', 'KZ-33', 'Алакөл ауданы', 'Алакольский район', 'Alakol District', 30),
('KZ-33-eskeldi', 'district', 'KZ-33', 'Ескелді ауданы', 'Ескельдинский район', 'Eskeldi District', 30),
('KZ-33-karatal', 'district', 'KZ-33', 'Қаратал ауданы', 'Каратальский район', 'Karatal District', 30),
('KZ-33-kerbulak', 'district', 'KZ-33', 'Кербұлақ ауданы', 'Кербулакский район', 'Kerbulak District', 30),
('KZ-33-koksu', 'district', 'KZ-33', 'Көксу ауданы', 'Коксуский район', 'Koksu District', 30),
('KZ-33-panfilov', 'district', 'KZ-33', 'Панфилов ауданы', 'Панфиловский район', 'Panfilov District', 30),
('KZ-33-sarkand', 'district', 'KZ-33', 'Сарқан ауданы', 'Сарканский район', 'Sarkand District', 30);

-- Karaganda Region (KZ-35)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-35-karaganda', 'city', 'KZ-35', 'Қарағанды қаласы', 'город Караганда', 'Karaganda', 20),
('KZ-35-balkhash', 'city', 'KZ-35', 'Балқаш қаласы', 'город Балхаш', 'Balkhash', 20),
('KZ-35-priozersk', 'city', 'KZ-35', 'Приозерск қаласы', 'город Приозерск', 'Priozersk', 20),
('KZ-35-saran', 'city', 'KZ-35', 'Саран қаласы', 'город Сарань', 'Saran', 20),
('KZ-35-temirtau', 'city', 'KZ-35', 'Теміртау қаласы', 'город Темиртау', 'Temirtau', 20),
('KZ-35-shakhtinsk', 'city', 'KZ-35', 'Шахтинск қаласы', 'город Шахтинск', 'Shakhtinsk', 20),
('KZ-35-abai', 'district', 'KZ-35', 'Абай ауданы', 'Абайский район', 'Abai District', 30),
('KZ-35-aktogay', 'district', 'KZ-35', 'Ақтоғай ауданы', 'Актогайский район', 'Aktogay District', 30),
('KZ-35-bukhar-zhyrau', 'district', 'KZ-35', 'Бұқар жырау ауданы', 'Бухар-Жырауский район', 'Bukhar-Zhyrau District', 30),
('KZ-35-karkaraly', 'district', 'KZ-35', 'Қарқаралы ауданы', 'Каркаралинский район', 'Karkaraly District', 30),
('KZ-35-nura', 'district', 'KZ-35', 'Нұра ауданы', 'Нуринский район', 'Nura District', 30),
('KZ-35-osakarov', 'district', 'KZ-35', 'Осакаров ауданы', 'Осакаровский район', 'Osakarov District', 30),
('KZ-35-shet', 'district', 'KZ-35', 'Шет ауданы', 'Шетский район', 'Shet District', 30);

-- Kostanay Region (KZ-39)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-39-kostanay', 'city', 'KZ-39', 'Қостанай қаласы', 'город Костанай', 'Kostanay', 20),
('KZ-39-arkalyk', 'city', 'KZ-39', 'Арқалық қаласы', 'город Аркалык', 'Arkalyk', 20),
('KZ-39-lisakovsk', 'city', 'KZ-39', 'Лисаковск қаласы', 'город Лисаковск', 'Lisakovsk', 20),
('KZ-39-rudny', 'city', 'KZ-39', 'Рудный қаласы', 'город Рудный', 'Rudny', 20),
('KZ-39-altynsarin', 'district', 'KZ-39', 'Алтынсарин ауданы', 'Алтынсаринский район', 'Altynsarin District', 30),
('KZ-39-amangeldi', 'district', 'KZ-39', 'Амангелді ауданы', 'Амангельдинский район', 'Amangeldi District', 30),
('KZ-39-auliekol', 'district', 'KZ-39', 'Әулиекөл ауданы', 'Аулиекольский район', 'Auliekol District', 30),
('KZ-39-beimbet-mailin', 'district', 'KZ-39', 'Бейімбет Майлин ауданы', 'район Беимбета Майлина', 'Beimbet Mailin District', 30),
('KZ-39-denisov', 'district', 'KZ-39', 'Денисов ауданы', 'Денисовский район', 'Denisov District', 30),
('KZ-39-zhangeldi', 'district', 'KZ-39', 'Жангелдин ауданы', 'Жангельдинский район', 'Zhangeldi District', 30),
('KZ-39-zhitikara', 'district', 'KZ-39', 'Жітіқара ауданы', 'Житикаринский район', 'Zhitikara District', 30),
('KZ-39-kamysty', 'district', 'KZ-39', 'Қамысты ауданы', 'Камыстинский район', 'Kamysty District', 30),
('KZ-39-karabalyk', 'district', 'KZ-39', 'Қарабалық ауданы', 'Карабалыкский район', 'Karabalyk District', 30),
('KZ-39-karasu', 'district', 'KZ-39', 'Қарасу ауданы', 'Карасуский район', 'Karasu District', 30),
('KZ-39-kostanay-district', 'district', 'KZ-39', 'Қостанай ауданы', 'Костанайский район', 'Kostanay District', 30),
('KZ-39-mendykara', 'district', 'KZ-39', 'Меңдіқара ауданы', 'Мендыкаринский район', 'Mendykara District', 30),
('KZ-39-naurzum', 'district', 'KZ-39', 'Наурызым ауданы', 'Наурзумский район', 'Naurzum District', 30),
('KZ-39-sarykol', 'district', 'KZ-39', 'Сарыкөл ауданы', 'Сарыкольский район', 'Sarykol District', 30),
('KZ-39-uzunkol', 'district', 'KZ-39', 'Ұзынкөл ауданы', 'Узункольский район', 'Uzunkol District', 30),
('KZ-39-fyodorov', 'district', 'KZ-39', 'Федоров ауданы', 'Федоровский район', 'Fyodorov District', 30);

-- Kyzylorda Region (KZ-43). Baikonur is left out (see the head of this file).
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-43-kyzylorda', 'city', 'KZ-43', 'Қызылорда қаласы', 'город Кызылорда', 'Kyzylorda', 20),
('KZ-43-aral', 'district', 'KZ-43', 'Арал ауданы', 'Аральский район', 'Aral District', 30),
('KZ-43-zhalagash', 'district', 'KZ-43', 'Жалағаш ауданы', 'Жалагашский район', 'Zhalagash District', 30),
('KZ-43-zhanakorgan', 'district', 'KZ-43', 'Жаңақорған ауданы', 'Жанакорганский район', 'Zhanakorgan District', 30),
('KZ-43-kazaly', 'district', 'KZ-43', 'Қазалы ауданы', 'Казалинский район', 'Kazaly District', 30),
('KZ-43-karmakshy', 'district', 'KZ-43', 'Қармақшы ауданы', 'Кармакшинский район', 'Karmakshy District', 30),
('KZ-43-syrdarya', 'district', 'KZ-43', 'Сырдария ауданы', 'Сырдарьинский район', 'Syrdarya District', 30),
('KZ-43-shieli', 'district', 'KZ-43', 'Шиелі ауданы', 'Шиелийский район', 'Shieli District', 30);

-- Mangystau Region (KZ-47)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-47-aktau', 'city', 'KZ-47', 'Ақтау қаласы', 'город Актау', 'Aktau', 20),
('KZ-47-zhanaozen', 'city', 'KZ-47', 'Жаңаөзен қаласы', 'город Жанаозен', 'Zhanaozen', 20),
('KZ-47-beineu', 'district', 'KZ-47', 'Бейнеу ауданы', 'Бейнеуский район', 'Beineu District', 30),
('KZ-47-karakiya', 'district', 'KZ-47', 'Қарақия ауданы', 'Каракиянский район', 'Karakiya District', 30),
('KZ-47-mangystau', 'district', 'KZ-47', 'Маңғыстау ауданы', 'Мангистауский район', 'Mangystau District', 30),
('KZ-47-munaily', 'district', 'KZ-47', 'Мұнайлы ауданы', 'Мунайлинский район', 'Munaily District', 30),
('KZ-47-tupkaragan', 'district', 'KZ-47', 'Түпқараған ауданы', 'Тупкараганский район', 'Tupkaragan District', 30);

-- Pavlodar Region (KZ-55)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-55-pavlodar', 'city', 'KZ-55', 'Павлодар қаласы', 'город Павлодар', 'Pavlodar', 20),
('KZ-55-aksu', 'city', 'KZ-55', 'Ақсу қаласы', 'город Аксу', 'Aksu', 20),
('KZ-55-ekibastuz', 'city', 'KZ-55', 'Екібастұз қаласы', 'город Экибастуз', 'Ekibastuz', 20),
('KZ-55-aktogay', 'district', 'KZ-55', 'Ақтоғай ауданы', 'Актогайский район', 'Aktogay District', 30),
('KZ-55-akkuly', 'district', 'KZ-55', 'Аққулы ауданы', 'район Аккулы', 'Akkuly District', 30),
('KZ-55-bayanaul', 'district', 'KZ-55', 'Баянауыл ауданы', 'Баянаульский район', 'Bayanaul District', 30),
('KZ-55-zhelezin', 'district', 'KZ-55', 'Железин ауданы', 'Железинский район', 'Zhelezin District', 30),
('KZ-55-irtysh', 'district', 'KZ-55', 'Ертіс ауданы', 'Иртышский район', 'Irtysh District', 30),
('KZ-55-may', 'district', 'KZ-55', 'Май ауданы', 'Майский район', 'May District', 30),
('KZ-55-pavlodar-district', 'district', 'KZ-55', 'Павлодар ауданы', 'Павлодарский район', 'Pavlodar District', 30),
('KZ-55-terenkol', 'district', 'KZ-55', 'Тереңкөл ауданы', 'район Теренколь', 'Terenkol District', 30),
('KZ-55-uspen', 'district', 'KZ-55', 'Успен ауданы', 'Успенский район', 'Uspen District', 30),
('KZ-55-sharbakty', 'district', 'KZ-55', 'Шарбақты ауданы', 'Щербактинский район', 'Sharbakty District', 30);

-- North Kazakhstan Region (KZ-59)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-59-petropavl', 'city', 'KZ-59', 'Петропавл қаласы', 'город Петропавловск', 'Petropavl', 20),
('KZ-59-aiyrtau', 'district', 'KZ-59', 'Айыртау ауданы', 'Айыртауский район', 'Aiyrtau District', 30),
('KZ-59-akzhar', 'district', 'KZ-59', 'Ақжар ауданы', 'Акжарский район', 'Akzhar District', 30),
('KZ-59-akkayin', 'district', 'KZ-59', 'Аққайың ауданы', 'Аккайынский район', 'Akkayin District', 30),
('KZ-59-yesil', 'district', 'KZ-59', 'Есіл ауданы', 'Есильский район', 'Yesil District', 30),
('KZ-59-gabit-musrepov', 'district', 'KZ-59', 'Ғабит Мүсірепов атындағы аудан', 'район имени Габита Мусрепова', 'Gabit Musrepov District', 30),
('KZ-59-zhambyl', 'district', 'KZ-59', 'Жамбыл ауданы', 'Жамбылский район', 'Zhambyl District', 30),
('KZ-59-kyzylzhar', 'district', 'KZ-59', 'Қызылжар ауданы', 'Кызылжарский район', 'Kyzylzhar District', 30),
('KZ-59-magzhan-zhumabayev', 'district', 'KZ-59', 'Мағжан Жұмабаев ауданы', 'район Магжана Жумабаева', 'Magzhan Zhumabayev District', 30),
('KZ-59-mamlyut', 'district', 'KZ-59', 'Мамлют ауданы', 'Мамлютский район', 'Mamlyut District', 30),
('KZ-59-tayynsha', 'district', 'KZ-59', 'Тайынша ауданы', 'Тайыншинский район', 'Tayynsha District', 30),
('KZ-59-timiryazev', 'district', 'KZ-59', 'Тимирязев ауданы', 'Тимирязевский район', 'Timiryazev District', 30),
('KZ-59-ualikhanov', 'district', 'KZ-59', 'Уәлиханов ауданы', 'Уалихановский район', 'Ualikhanov District', 30),
('KZ-59-shal-akyn', 'district', 'KZ-59', 'Шал ақын ауданы', 'район Шал акына', 'Shal Akyn District', 30);

-- Turkistan Region (KZ-61). Russian forms differ between sources: the
-- statistical classifier writes «район Байдибека» and «Сузакский район»,
-- local bodies also «Байдибекский» and «Созакский».
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-61-turkistan', 'city', 'KZ-61', 'Түркістан қаласы', 'город Туркестан', 'Turkistan', 20),
('KZ-61-arys', 'city', 'KZ-61', 'Арыс қаласы', 'город Арысь', 'Arys', 20),
('KZ-61-kentau', 'city', 'KZ-61', 'Кентау қаласы', 'город Кентау', 'Kentau', 20),
('KZ-61-baidibek', 'district', 'KZ-61', 'Бәйдібек ауданы', 'район Байдибека', 'Baidibek District', 30),
('KZ-61-zhetisai', 'district', 'KZ-61', 'Жетісай ауданы', 'Жетысайский район', 'Zhetisai District', 30),
('KZ-61-kazygurt', 'district', 'KZ-61', 'Қазығұрт ауданы', 'Казыгуртский район', 'Kazygurt District', 30),
('KZ-61-keles', 'district', 'KZ-61', 'Келес ауданы', 'Келесский район', 'Keles District', 30),
('KZ-61-maktaaral', 'district', 'KZ-61', 'Мақтаарал ауданы', 'Мактааральский район', 'Maktaaral District', 30),
('KZ-61-ordabasy', 'district', 'KZ-61', 'Ордабасы ауданы', 'Ордабасинский район', 'Ordabasy District', 30),
('KZ-61-otyrar', 'district', 'KZ-61', 'Отырар ауданы', 'Отрарский район', 'Otyrar District', 30),
('KZ-61-sairam', 'district', 'KZ-61', 'Сайрам ауданы', 'Сайрамский район', 'Sairam District', 30),
('KZ-61-saryagash', 'district', 'KZ-61', 'Сарыағаш ауданы', 'Сарыагашский район', 'Saryagash District', 30),
('KZ-61-sauran', 'district', 'KZ-61', 'Сауран ауданы', 'район Сауран', 'Sauran District', 30),
('KZ-61-sozak', 'district', 'KZ-61', 'Созақ ауданы', 'Созакский район', 'Sozak District', 30),
('KZ-61-tole-bi', 'district', 'KZ-61', 'Төле би ауданы', 'Толебийский район', 'Tole Bi District', 30),
('KZ-61-tulkibas', 'district', 'KZ-61', 'Түлкібас ауданы', 'Тюлькубасский район', 'Tulkibas District', 30),
('KZ-61-shardara', 'district', 'KZ-61', 'Шардара ауданы', 'Шардаринский район', 'Shardara District', 30);

-- Ulytau Region (KZ-62)
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-62-zhezkazgan', 'city', 'KZ-62', 'Жезқазған қаласы', 'город Жезказган', 'Zhezkazgan', 20),
('KZ-62-karazhal', 'city', 'KZ-62', 'Қаражал қаласы', 'город Каражал', 'Karazhal', 20),
('KZ-62-satbayev', 'city', 'KZ-62', 'Сәтбаев қаласы', 'город Сатпаев', 'Satbayev', 20),
('KZ-62-zhanaarka', 'district', 'KZ-62', 'Жаңаарқа ауданы', 'Жанааркинский район', 'Zhanaarka District', 30),
('KZ-62-ulytau', 'district', 'KZ-62', 'Ұлытау ауданы', 'Улытауский район', 'Ulytau District', 30);

-- East Kazakhstan Region (KZ-63). Not listed: Markakol and Ulken Naryn
-- districts, created after 2022 (see the head of this file).
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ-63-oskemen', 'city', 'KZ-63', 'Өскемен қаласы', 'город Усть-Каменогорск', 'Oskemen', 20),
('KZ-63-ridder', 'city', 'KZ-63', 'Риддер қаласы', 'город Риддер', 'Ridder', 20),
('KZ-63-altai', 'district', 'KZ-63', 'Алтай ауданы', 'район Алтай', 'Altai District', 30),
('KZ-63-glubokoye', 'district', 'KZ-63', 'Глубокое ауданы', 'Глубоковский район', 'Glubokoye District', 30),
('KZ-63-zaisan', 'district', 'KZ-63', 'Зайсан ауданы', 'Зайсанский район', 'Zaisan District', 30),
('KZ-63-katon-karagai', 'district', 'KZ-63', 'Катонқарағай ауданы', 'Катон-Карагайский район', 'Katon-Karagai District', 30),
('KZ-63-kurchum', 'district', 'KZ-63', 'Күршім ауданы', 'Курчумский район', 'Kurchum District', 30),
('KZ-63-samar', 'district', 'KZ-63', 'Самар ауданы', 'район Самар', 'Samar District', 30),
('KZ-63-tarbagatai', 'district', 'KZ-63', 'Тарбағатай ауданы', 'Тарбагатайский район', 'Tarbagatai District', 30),
('KZ-63-ulan', 'district', 'KZ-63', 'Ұлан ауданы', 'Уланский район', 'Ulan District', 30),
('KZ-63-shemonaikha', 'district', 'KZ-63', 'Шемонаиха ауданы', 'Шемонаихинский район', 'Shemonaikha District', 30);
