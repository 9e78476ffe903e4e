//! A classifier to and from a model file's contents (every shape checked), bytes and
//! files, and the built-in model.

use super::*;

impl Classifier {
    /// The model file's contents (internal: the file format's types promise nothing).
    #[doc(hidden)]
    pub fn to_data(&self) -> ModelData {
        let split = self.tfidf.n_features() * self.labels().len();
        let embedding = self.embedding.as_ref().map(|e| EmbeddingData {
            table: if e.table.is_builtin() {
                TableRef::Builtin {
                    crc: e.table.crc(),
                    name: e.table.name().to_string(),
                }
            } else {
                TableRef::Embedded(e.table.bytes().to_vec())
            },
            weight: e.weight,
            dim: e.dim() as u32,
            weights: self.model.weights()[split..].to_vec(),
        });
        ModelData {
            labels: self.labels().to_vec(),
            tokenizer: self.tfidf.tokenizer().config(),
            tfidf: self.tfidf.config(),
            stems: self.tfidf.stems().joined().to_string(),
            terms: self.tfidf.term_keys().to_vec(),
            char_terms: self.tfidf.char_terms().joined().to_string(),
            idf: self.tfidf.idf().to_vec(),
            weights: self.model.weights()[..split].to_vec(),
            presence: self.model.presence().to_vec(),
            intercepts: self.model.intercepts().to_vec(),
            meta: self.meta.clone(),
            embedding,
        }
    }

    /// Builds a classifier from a model file's contents, checking every shape (internal).
    #[doc(hidden)]
    pub fn from_data(d: ModelData) -> Result<Classifier> {
        let stems = TermList::from_joined(d.stems).map_err(Error::model)?;
        let char_terms = TermList::from_joined(d.char_terms).map_err(Error::model)?;
        let tfidf = Tfidf::from_parts(d.tokenizer, d.tfidf, stems, d.terms, char_terms, d.idf)
            .map_err(Error::model)?;
        let embedding = d.embedding.map(embedding_of).transpose()?;
        let (mut weights, dim) = (d.weights, embedding.as_ref().map_or(0, |e| e.0.dim()));
        if let Some(e) = &embedding {
            if weights.len() != tfidf.n_features() * d.labels.len() {
                return Err(Error::model(format!(
                    "{} weights for {} features and {} labels",
                    weights.len(),
                    tfidf.n_features(),
                    d.labels.len()
                )));
            }
            weights.extend_from_slice(&e.1);
        }
        let embedding = embedding.map(|e| e.0);
        let model = Logistic::from_parts(d.labels, tfidf.n_features() + dim, weights, d.intercepts)
            .and_then(|m| m.with_presence(d.presence))
            .map_err(Error::model)?;
        if model.presence().len() > tfidf.n_terms() * model.labels().len() {
            return Err(Error::model(
                "presence weights for more features than there are word terms",
            ));
        }
        if d.meta.rows_per_label.len() != model.labels().len() {
            return Err(Error::model(format!(
                "metadata lists {} labels, the model has {}",
                d.meta.rows_per_label.len(),
                model.labels().len()
            )));
        }
        Ok(Classifier::new(tfidf, model, d.meta, embedding))
    }

    /// The model file's bytes, exactly what [`Classifier::save`] writes.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let bytes = model.to_bytes()?;
    /// let again = stance::Classifier::from_bytes(&bytes)?;
    /// assert_eq!(again.to_bytes()?, bytes);
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_data().to_bytes()
    }

    /// Reads a model file's bytes, checking the header, the checksum and every shape.
    ///
    /// ```
    /// let e = stance::Classifier::from_bytes(b"not a model").unwrap_err();
    /// assert!(matches!(e, stance::Error::Model { .. }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        Classifier::from_data(ModelData::from_bytes(bytes)?)
            .map_err(|e| e.prefixed("model file is inconsistent"))
    }

    /// Reads a model file (never more than its header declares); errors name the file.
    ///
    /// ```
    /// let e = stance::Classifier::load("no/such/file.model".as_ref()).unwrap_err();
    /// assert!(e.to_string().contains("no/such/file.model"));
    /// ```
    pub fn load(path: &Path) -> Result<Classifier> {
        Classifier::from_bytes(&modelfile::read_file(path)?).map_err(|e| e.in_file(path))
    }

    /// Writes the model file atomically: a temporary file beside `path`, then a rename,
    /// so `path` holds the whole model or is left as it was.
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// let path = std::env::temp_dir().join(format!("stance-doc-{}.model", std::process::id()));
    /// model.save(&path)?;
    /// assert_eq!(stance::Classifier::load(&path)?.to_bytes()?, model.to_bytes()?);
    /// std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<()> {
        modelfile::write_atomically(path, &self.to_bytes()?)
    }

    /// The model built into the binary (trained on our corpus and real TV writing;
    /// `models/build.sh` rebuilds it).
    ///
    /// ```
    /// let model = stance::Classifier::builtin()?;
    /// assert_eq!(model.labels().len(), 4);
    /// # Ok::<(), stance::Error>(())
    /// ```
    pub fn builtin() -> Result<Classifier> {
        Classifier::from_bytes(BUILTIN_MODEL).map_err(|e| e.prefixed("the built-in model"))
    }
}

/// The semantic block a model file describes, and its weights: the table checked (the
/// built-in one by its CRC, an embedded one in full) and its size matched.
fn embedding_of(d: EmbeddingData) -> Result<(Embedding, Vec<f32>)> {
    let table = match d.table {
        TableRef::Builtin { crc, .. } => {
            let t = EmbeddingTable::builtin()
                .map_err(|e| e.prefixed("the built-in embedding table"))?;
            if t.crc() != crc {
                return Err(Error::embedding(format!(
                    "the model was trained with a built-in embedding table of CRC {crc:08x}; this stance has {:08x} (retrain, or use a stance of the same version)",
                    t.crc()
                )));
            }
            t
        }
        TableRef::Embedded(bytes) => std::sync::Arc::new(
            EmbeddingTable::from_bytes(Cow::Owned(bytes))
                .map_err(|e| e.prefixed("its embedding table"))?,
        ),
    };
    if table.dim() != d.dim as usize {
        return Err(Error::embedding(format!(
            "semantic block of {} dimensions over a table of {}",
            d.dim,
            table.dim()
        )));
    }
    let e = Embedding::new(table, d.weight).map_err(|e| Error::embedding(e.to_string()))?;
    Ok((e, d.weights))
}
