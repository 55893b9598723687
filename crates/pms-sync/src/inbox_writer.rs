//! Group commit for the webhook inbox.
//!
//! Every delivery must be durable before it is answered `200`, and on SQLite
//! with `synchronous=FULL` each commit costs an fsync. One writer task takes
//! whatever deliveries are waiting when it is free and commits them in one
//! transaction, so under load many deliveries share one fsync, and nobody
//! waits for a timer: an idle receiver commits a lone delivery at once.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use crate::store::{InboxEvent, InboxStore};

/// Most deliveries committed together (bounds one transaction's size).
const MAX_DELIVERIES_PER_COMMIT: usize = 256;

/// Deliveries waiting for the writer before senders wait in turn.
const QUEUE: usize = 4096;

/// Whether each event of a delivery was new, or why the commit failed.
type Outcome = Result<Vec<bool>, String>;

struct Delivery {
    events: Vec<InboxEvent>,
    done: oneshot::Sender<Outcome>,
}

/// The receiver's handle on the writer task, started on first use (the
/// router may be built outside a runtime; requests never are).
pub(crate) struct InboxWriter {
    store: Arc<dyn InboxStore>,
    queue: OnceLock<mpsc::Sender<Delivery>>,
}

impl InboxWriter {
    pub(crate) fn new(store: Arc<dyn InboxStore>) -> Self {
        InboxWriter {
            store,
            queue: OnceLock::new(),
        }
    }

    /// Stores a delivery's events durably; per event, whether it was new.
    pub(crate) async fn push(&self, events: Vec<InboxEvent>) -> Outcome {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), receiver));
            sender
        });
        let (done, answer) = oneshot::channel();
        queue
            .send(Delivery { events, done })
            .await
            .map_err(|_| "inbox writer stopped".to_owned())?;
        answer.await.map_err(|_| "inbox writer stopped".to_owned())?
    }
}

/// Commits waiting deliveries together until every sender is gone.
async fn run(store: Arc<dyn InboxStore>, mut queue: mpsc::Receiver<Delivery>) {
    let mut waiting = Vec::with_capacity(MAX_DELIVERIES_PER_COMMIT);
    while queue.recv_many(&mut waiting, MAX_DELIVERIES_PER_COMMIT).await > 0 {
        metrics::histogram!("pms_sync_inbox_commit_deliveries").record(waiting.len() as f64);
        let mut events = Vec::new();
        let mut answers = Vec::with_capacity(waiting.len());
        for delivery in waiting.drain(..) {
            let start = events.len();
            events.extend(delivery.events);
            answers.push((start..events.len(), delivery.done));
        }
        // A requester that went away (client hung up) needs no answer: its
        // events are stored and dedupe on redelivery. Hence the ignored sends.
        match store.inbox_push_many(&events).await {
            Ok(fresh) => {
                for (range, done) in answers {
                    let mine = fresh
                        .get(range)
                        .map(<[bool]>::to_vec)
                        .ok_or_else(|| "the store answered fewer results than events".to_owned());
                    let _ = done.send(mine);
                }
            }
            Err(_) if answers.len() > 1 => {
                // One bad delivery must not fail its neighbours: commit each alone.
                for (range, done) in answers {
                    let outcome = store
                        .inbox_push_many(&events[range])
                        .await
                        .map_err(|e| e.to_string());
                    let _ = done.send(outcome);
                }
            }
            Err(err) => {
                let message = err.to_string();
                for (_, done) in answers {
                    let _ = done.send(Err(message.clone()));
                }
            }
        }
    }
}
