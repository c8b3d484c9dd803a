-- Entry criteria per pipeline stage: what the analyzer is told a stage requires. NULL: judged by its name.
ALTER TABLE pipeline_stages ADD COLUMN definition text;

-- Existing default pipelines get the default definitions (new ones get them when created).
UPDATE pipeline_stages s SET definition = d.definition
FROM pipelines p, (VALUES
    ('New Lead', 'The customer has written but the business has not answered yet, whatever the customer asked; or only the business has written so far.'),
    ('Contacted', 'The business has replied, but the customer has shown no concrete buying interest: greetings, general chat, thanks, or a question or complaint that is not about buying something.'),
    ('Qualified Lead', 'The customer has shown concrete buying interest and the business has answered: questions about price, availability, stock, delivery, sizes, booking slots or how to order, or a wish to buy. The business has not yet given a price, quote, invoice or payment link for it.'),
    ('Proposal Sent', 'The business has given a specific price, quote, offer, invoice or payment or booking link for what the customer asked about, and the customer has not yet paid, confirmed or refused it.'),
    ('Won', 'The customer has paid (says so or sends proof, or the business confirms the payment), or the business has confirmed an order or booking the customer agreed to. Interest, a price, or a promise to pay later is not Won.'),
    ('Lost', 'The customer refused or went elsewhere (not interested, too expensive, chose another supplier), opted out (asked to stop, unsubscribe), asked for a refund or cancelled; or the conversation is spam, a scam or an unrelated solicitation. A refusal, opt-out, refund or spam outweighs earlier interest.')
) AS d(name, definition)
WHERE p.id = s.pipeline_id AND p.name = 'Sales' AND s.name = d.name AND s.definition IS NULL;
