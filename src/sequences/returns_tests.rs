use super::*;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

const TODAY: &str = "2026-12-01";

fn back(text: &str) -> Option<Date> {
    return_date(text, d(TODAY))
}

#[test]
fn english_out_of_office_replies_name_their_return_day() {
    let outlook =
        "Thank you for your message. I am out of the office with limited access to email.\r\n\
                   I will be back on 14 December and will reply as soon as possible.\r\n\
                   For urgent matters please contact sales@client-firm.ru.";
    assert_eq!(back(outlook), Some(d("2026-12-14")));
    let gmail = "I'm on annual leave until Monday, December 14, 2026. I'll answer when I'm back.";
    assert_eq!(back(gmail), Some(d("2026-12-14")));
    let numeric = "Out of office until 14.12.2026.";
    assert_eq!(back(numeric), Some(d("2026-12-14")));
    let through = "I am travelling through Dec 13th with no access to mail.";
    assert_eq!(back(through), Some(d("2026-12-14")));
    let ordinal = "Back in the office on the 14th of December.";
    assert_eq!(back(ordinal), Some(d("2026-12-14")));
    let range = "I will be out of the office from 1 December to 13 December.";
    assert_eq!(back(range), Some(d("2026-12-14")));
    let iso = "Returning 2026-12-14.";
    assert_eq!(back(iso), Some(d("2026-12-14")));
}

#[test]
fn russian_out_of_office_replies_name_their_return_day() {
    let office =
        "Здравствуйте! Я в командировке, буду в офисе с 14 декабря. По срочным вопросам звоните \
                  +7 495 123-45-67.";
    assert_eq!(back(office), Some(d("2026-12-14")));
    let short = "Добрый день! В отпуске до 14.12, почту читаю редко.";
    assert_eq!(back(short), Some(d("2026-12-14")));
    let range = "Я в отпуске с 1 по 13 декабря включительно.";
    assert_eq!(back(range), Some(d("2026-12-14")));
    let through = "Нахожусь в отпуске по 13 декабря. Вернусь 14 декабря 2026 г.";
    assert_eq!(back(through), Some(d("2026-12-14")));
    let after = "Отвечу после 13.12.26.";
    assert_eq!(back(after), Some(d("2026-12-14")));
}

#[test]
fn a_date_without_a_year_is_the_next_such_day() {
    // Written on 20 December: "back on 11 January" is next year's.
    assert_eq!(
        return_date("I will be back on 11 January.", d("2026-12-20")),
        Some(d("2027-01-11"))
    );
    assert_eq!(
        return_date("Вернусь 11 января.", d("2026-12-20")),
        Some(d("2027-01-11"))
    );
}

#[test]
fn no_return_date_named_means_none() {
    assert_eq!(
        back("I am out of the office with limited access to email."),
        None
    );
    // The day one leaves is not the day one is back.
    assert_eq!(back("Я в отпуске с 20 декабря."), None);
    // Dates of the quoted letter under the reply do not count.
    let quoted = "Автоответ: меня нет на месте.\r\n\r\n-----Original Message-----\r\nFrom: sales@nordwind.ru\r\n\
                  Sent: 1 December 2026\r\nВернусь 30 декабря";
    assert_eq!(back(quoted), None);
    let quoted = "I'm away.\r\n> I will be back on 14 December\r\n";
    assert_eq!(back(quoted), None);
    // Nonsense dates are not dates.
    assert_eq!(back("Back on 31.02.2026."), None);
    // A phone number next to no keyword is nothing.
    assert_eq!(back("Call 14.12 or 8 800 555-35-35."), None);
}
