-- The demo's sample data: the "shop" database an automation agent works on.
-- Every value is made up, but each is the real shape of what leaks: e-mail
-- addresses, Luhn-valid card numbers, well-formed SSNs, phone numbers, and
-- API credentials (AWS-style key ids and secrets, a GitHub token, a Stripe
-- key). scripts/demo.sh loads it as the database owner; the gateway connects
-- as shop_app, the resource's own credential, which only the gateway knows.
-- tests/tools/demo_test.py checks that none of these raw values reaches the
-- agent.

CREATE TABLE customers (
  id      int PRIMARY KEY,
  name    text NOT NULL,
  email   text,
  phone   text,
  card    text,
  ssn     text,
  api_key text,
  notes   text
);

INSERT INTO customers VALUES
  (1, 'Maria Garcia', 'maria.garcia@example.com', '+1 415-555-0132',
   '4111 1111 1111 1111', '536-22-8741', 'AKIA4HOOPDEMO7Q2XK5Z',
   'prefers e-mail'),
  (2, 'John Smith', 'john.smith@example.org', '(212) 555-0187',
   '5555 5555 5555 4444', '219-09-4410', 'ghp_R7cJk2LmN9pQ4sTvW8xY1zA3bC5dE6fG0hJq',
   'call 212-555-0187 after 5pm'),
  (3, 'Wei Chen', 'wei.chen@example.net', '+1 650-555-0164',
   '3782 822463 10005', '401-32-5567', 'sk_live_51HoopDemoKey8QmZt3VxYp2Lw',
   'ops: aws_secret_access_key=Zx9Kq2Lm8Np4Rs7Tu1Vw3Xy5Za6Bc0De9Fg2Hj4K'),
  (4, 'Priya Patel', 'priya.patel@example.com', '(312) 555-0119',
   '6011 1111 1111 1117', '612-44-1290', NULL,
   'card replaced in October'),
  (5, 'Lucas Martin', 'lucas.martin@example.org', '+1 206-555-0171',
   '4012 8888 8888 1881', '287-65-3302', 'AKIA7DEMOQ3RT9WX2YZB',
   'VIP; backup contact lucas.m@example.net');

-- Abandoned shopping carts: what the agent's clean-up job deletes. Six are
-- older than 30 days.
CREATE TABLE carts (
  id          int PRIMARY KEY,
  customer_id int REFERENCES customers(id),
  items       int NOT NULL,
  updated_at  timestamptz NOT NULL
);

INSERT INTO carts
  SELECT g, 1 + g % 5, 1 + g % 3,
         now() - make_interval(days => CASE WHEN g <= 6 THEN 40 + g ELSE g END)
  FROM generate_series(1, 10) AS g;
