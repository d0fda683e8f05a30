/**
 * django-anymail's raw MIME fixture (tests/test_sendgrid_inbound.py and
 * tests/test_mailgun_inbound.py, test_inbound_mime): a multipart/alternative mail whose text
 * and html parts are quoted-printable, with an ellipsis in UTF-8.
 */
export const anymailRawMime = [
  'From: A tester <test@example.org>',
  'Date: Thu, 12 Oct 2017 18:03:30 -0700',
  'Message-ID: <CAEPk3RKEx@mail.example.org>',
  'Subject: Raw MIME test',
  'To: test@inbound.example.com',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="94eb2c05e174adb140055b6339c5"',
  '',
  '--94eb2c05e174adb140055b6339c5',
  'Content-Type: text/plain; charset="UTF-8"',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  "It's a body=E2=80=A6",
  '',
  '--94eb2c05e174adb140055b6339c5',
  'Content-Type: text/html; charset="UTF-8"',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '<div dir=3D"ltr">It\'s a body=E2=80=A6</div>',
  '',
  '--94eb2c05e174adb140055b6339c5--',
  '',
].join('\n');
