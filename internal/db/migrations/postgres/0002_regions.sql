-- Kazakhstan's regions and cities of republican significance (2022
-- division, ISO 3166-2:KZ codes). Districts follow in later migrations or
-- by import.
INSERT INTO regions (code, kind, parent_code, name_kk, name_ru, name_en, sort) VALUES
('KZ', 'country', NULL, 'Қазақстан', 'Казахстан', 'Kazakhstan', 0),
('KZ-71', 'city', 'KZ', 'Астана қаласы', 'город Астана', 'Astana', 1),
('KZ-75', 'city', 'KZ', 'Алматы қаласы', 'город Алматы', 'Almaty', 2),
('KZ-79', 'city', 'KZ', 'Шымкент қаласы', 'город Шымкент', 'Shymkent', 3),
('KZ-10', 'region', 'KZ', 'Абай облысы', 'Абайская область', 'Abai Region', 10),
('KZ-11', 'region', 'KZ', 'Ақмола облысы', 'Акмолинская область', 'Akmola Region', 10),
('KZ-15', 'region', 'KZ', 'Ақтөбе облысы', 'Актюбинская область', 'Aktobe Region', 10),
('KZ-19', 'region', 'KZ', 'Алматы облысы', 'Алматинская область', 'Almaty Region', 10),
('KZ-23', 'region', 'KZ', 'Атырау облысы', 'Атырауская область', 'Atyrau Region', 10),
('KZ-27', 'region', 'KZ', 'Батыс Қазақстан облысы', 'Западно-Казахстанская область', 'West Kazakhstan Region', 10),
('KZ-31', 'region', 'KZ', 'Жамбыл облысы', 'Жамбылская область', 'Jambyl Region', 10),
('KZ-33', 'region', 'KZ', 'Жетісу облысы', 'Жетысуская область', 'Jetisu Region', 10),
('KZ-35', 'region', 'KZ', 'Қарағанды облысы', 'Карагандинская область', 'Karaganda Region', 10),
('KZ-39', 'region', 'KZ', 'Қостанай облысы', 'Костанайская область', 'Kostanay Region', 10),
('KZ-43', 'region', 'KZ', 'Қызылорда облысы', 'Кызылординская область', 'Kyzylorda Region', 10),
('KZ-47', 'region', 'KZ', 'Маңғыстау облысы', 'Мангистауская область', 'Mangystau Region', 10),
('KZ-55', 'region', 'KZ', 'Павлодар облысы', 'Павлодарская область', 'Pavlodar Region', 10),
('KZ-59', 'region', 'KZ', 'Солтүстік Қазақстан облысы', 'Северо-Казахстанская область', 'North Kazakhstan Region', 10),
('KZ-61', 'region', 'KZ', 'Түркістан облысы', 'Туркестанская область', 'Turkistan Region', 10),
('KZ-62', 'region', 'KZ', 'Ұлытау облысы', 'Улытауская область', 'Ulytau Region', 10),
('KZ-63', 'region', 'KZ', 'Шығыс Қазақстан облысы', 'Восточно-Казахстанская область', 'East Kazakhstan Region', 10);
